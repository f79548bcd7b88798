/**
 * `aura validate [pipeline.yaml] [--format text|json]`: every problem at once,
 * one line each (`file:line:col severity CODE message`) and a summary; exit 0
 * when there are no errors (warnings allowed), 1 otherwise.
 */
import { type Command, Option } from 'commander';
import { countSummary, formatDiagnostic } from '../topology/format-diagnostics.js';
import type { CompileResult } from '../topology/model.js';
import { compileFile, DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK } from './context.js';

export function registerValidate(program: Command, cli: CliContext): void {
  program
    .command('validate')
    .description('check a pipeline and report every problem with its file:line:col')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--schemas-dir <dir>', 'directory of the event schemas (default: schemas/events beside the pipeline)')
    .action((file: string, options: { format: 'text' | 'json'; schemasDir?: string }) => {
      const result = compileFile(file, { schemasDir: options.schemasDir });
      cli.out(options.format === 'json' ? validateJson(result) : validateText(file, result));
      cli.exitCode = result.ok ? EXIT_OK : EXIT_FAILED;
    });
}

export function validateText(file: string, result: CompileResult): string {
  const lines = result.diagnostics.map(formatDiagnostic);
  if (result.ok && result.pipeline) {
    const p = result.pipeline;
    const nodes = Object.values(p.nodes).filter((n) => n.kind === 'processor' || n.kind === 'join').length;
    const topics = Object.values(p.topics);
    const internal = topics.filter((t) => t.internal).length;
    lines.push(
      `${file}: valid — ${p.subtopologies.length} sub-topologies, ${nodes} processors and joins, ${topics.length - internal} topics (+${internal} changelogs); ${countSummary(result.diagnostics)}`,
    );
  } else {
    lines.push(`${file}: ${countSummary(result.diagnostics)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function validateJson(result: CompileResult): string {
  const errors = result.diagnostics.map(({ file, line, col, severity, code, message }) => ({ file, line, col, severity, code, message }));
  return `${JSON.stringify({ ok: result.ok, errors }, null, 2)}\n`;
}
