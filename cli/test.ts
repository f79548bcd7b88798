/**
 * `aura test [file|dir ...] [--filter text]`: runs YAML test cases against a
 * pipeline through the TopologyTestDriver (no broker, no model download) and
 * reports each test; exit 0 when all pass, 1 otherwise. See docs/testing.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { FileReport } from '../testing/runner/run-tests.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK } from './context.js';

export const DEFAULT_TEST_FILE = 'pipeline.test.yaml';
const TEST_FILE = /\.test\.ya?ml$/;

/**
 * What to run for each argument: a test file as is; a directory's `*.test.yaml` files; a pipeline
 * file's `<name>.test.yaml` beside it when there is one.
 */
export function resolveTestFiles(args: string[]): string[] {
  if (args.length === 0) return [DEFAULT_TEST_FILE];
  return args.flatMap((arg) => {
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    if (stat?.isDirectory())
      return fs
        .readdirSync(arg)
        .filter((f) => TEST_FILE.test(f))
        .sort()
        .map((f) => path.join(arg, f));
    if (!TEST_FILE.test(arg)) {
      const beside = arg.replace(/\.ya?ml$/, '.test.yaml');
      if (beside !== arg && fs.existsSync(beside)) return [beside];
    }
    return [arg];
  });
}

export function registerTest(program: Command, cli: CliContext): void {
  program
    .command('test')
    .description('run the YAML test cases of a pipeline (default: pipeline.test.yaml) through the test driver')
    .argument('[files...]', 'test files, directories of *.test.yaml files, or pipeline files with a <name>.test.yaml beside them')
    .option('--filter <text>', 'run only the tests whose name contains this text')
    .action(async (args: string[], options: { filter?: string }) => {
      const files = resolveTestFiles(args);
      if (files.length === 0) {
        cli.err(`aura test: no *.test.yaml files in ${args.join(', ')}\n`);
        cli.exitCode = EXIT_FAILED;
        return;
      }
      const toolkit = await loadToolkit();
      if (!toolkit) {
        cli.err(
          'aura test: the test toolkit (testing/) is not part of this installation — the container image ships without it; run `aura test` from a checkout of aura-streams\n',
        );
        cli.exitCode = EXIT_FAILED;
        return;
      }
      const { runTestFile, formatFileHeader, formatProblems, formatResult, formatSummary, totals } = toolkit;
      const reports: FileReport[] = [];
      for (const file of files) {
        let started = false;
        const report = await runTestFile(file, {
          filter: options.filter,
          onStart: (pipelineFile) => {
            started = true;
            cli.out(formatFileHeader(file, pipelineFile));
          },
          onResult: (r) => cli.out(formatResult(file, r)),
        });
        if (!started) cli.out(formatFileHeader(file, report.pipelineFile));
        cli.out(formatProblems(report));
        reports.push(report);
      }
      const t = totals(reports);
      cli.out(formatSummary(t));
      if (t.passed + t.failed === 0 && t.broken === 0) cli.err(`aura test: no test matched${options.filter ? ` "${options.filter}"` : ''}\n`);
      cli.exitCode = t.failed === 0 && t.broken === 0 && t.passed > 0 ? EXIT_OK : EXIT_FAILED;
    });
}

/**
 * The test toolkit is loaded only by this command: the production image leaves testing/ out
 * (.dockerignore), and every other command must still start there.
 */
async function loadToolkit() {
  try {
    const [runner, report] = await Promise.all([import('../testing/runner/run-tests.js'), import('../testing/runner/report.js')]);
    return { ...runner, ...report };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('testing')) return undefined;
    throw err;
  }
}
