/**
 * `aura describe [pipeline.yaml] [--format text|mermaid|dot|json]`: the
 * compiled topology (Kafka Streams' describe() layout, a Mermaid flowchart, a
 * Graphviz digraph, or the Pipeline object).
 */
import { type Command, Option } from 'commander';
import { type DescribeFormat, describeFormats, describePipeline } from '../topology/describe/index.js';
import { countSummary, formatDiagnostic } from '../topology/format-diagnostics.js';
import { compileFile, DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK } from './context.js';

export function registerDescribe(program: Command, cli: CliContext): void {
  program
    .command('describe')
    .description('print the compiled topology: sub-topologies, nodes, stores, changelogs')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(describeFormats)).default('text'))
    .option('--schemas-dir <dir>', 'directory of the event schemas (default: schemas/events beside the pipeline)')
    .action((file: string, options: { format: DescribeFormat; schemasDir?: string }) => {
      const result = compileFile(file, { schemasDir: options.schemasDir });
      if (!result.pipeline) {
        cli.err(`${result.diagnostics.map(formatDiagnostic).join('\n')}\n${file}: ${countSummary(result.diagnostics)} (run \`aura validate ${file}\`)\n`);
        cli.exitCode = EXIT_FAILED;
        return;
      }
      cli.out(describePipeline(result.pipeline, options.format));
      cli.exitCode = EXIT_OK;
    });
}
