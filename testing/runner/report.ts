/**
 * Text output of `aura test`: one line per test, the first mismatch of a
 * failed test under it (with the line of the test file that expected it), and
 * a closing `N passed, N failed` line.
 */
import path from 'node:path';
import type { FileReport, TestResult } from './run-tests.js';

const rel = (file: string): string => path.relative(process.cwd(), path.resolve(file)) || file;

export function formatFileHeader(file: string, pipelineFile?: string): string {
  return `${rel(file)}${pipelineFile ? ` (pipeline ${rel(pipelineFile)})` : ''}\n`;
}

export function formatResult(file: string, r: TestResult): string {
  if (r.passed) return `  ✓ ${r.name} (${r.durationMs} ms)\n`;
  const f = r.failure!;
  const lines = [`  ✗ ${r.name} (${r.durationMs} ms)`, `      ${rel(file)}:${f.line}:${f.col} ${f.message}`, ...f.details.map((d) => `        ${d}`)];
  return `${lines.join('\n')}\n`;
}

export function formatProblems(report: FileReport): string {
  return report.problems.map((p) => `  ${rel(p.file)}:${p.line}:${p.col} error ${p.message}\n`).join('');
}

export interface Totals {
  passed: number;
  failed: number;
  /** Files that could not run (invalid test file or pipeline). */
  broken: number;
}

export function totals(reports: FileReport[]): Totals {
  return {
    passed: reports.reduce((n, r) => n + r.results.filter((t) => t.passed).length, 0),
    failed: reports.reduce((n, r) => n + r.results.filter((t) => !t.passed).length, 0),
    broken: reports.filter((r) => r.problems.length > 0).length,
  };
}

export function formatSummary(t: Totals): string {
  const broken = t.broken > 0 ? `${t.broken} test file${t.broken === 1 ? '' : 's'} could not run\n` : '';
  return `\n${broken}${t.passed} passed, ${t.failed} failed\n`;
}
