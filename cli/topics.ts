/**
 * `aura topics plan|apply [pipeline.yaml]`: topics as code. `plan` prints the
 * difference between the topics the pipeline needs and the cluster (Kafka when
 * KAFKA_BROKERS is set, else the embedded log under the state directory);
 * `apply` creates what is missing and raises partition counts, and refuses the
 * whole plan when a change can only be made by hand (exit code 1).
 * `plan --exit-code` exits 2 when changes are pending (for CI checks).
 */
import type { Command } from 'commander';
import { errorMessage } from '../common/errors.js';
import { applyPlan, formatPlan, planTopics } from '../runtime/topics-plan.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_USAGE } from './context.js';
import { openPipeline } from './open-pipeline.js';

interface TopicsOptions {
  stateDir?: string;
  verbose?: boolean;
  exitCode?: boolean;
}

async function topicsCommand(mode: 'plan' | 'apply', file: string, options: TopicsOptions, cli: CliContext): Promise<number> {
  const opened = openPipeline(file, options.stateDir, (msg) => cli.err(`aura topics: ${msg}\n`));
  if (!opened) return EXIT_FAILED;
  const { pipeline } = opened;
  const { transport } = opened;
  try {
    await transport.connect();
    const admin = transport.admin();
    const plan = planTopics(pipeline, await admin.listTopics());
    cli.out(`topics of ${pipeline.app} on ${opened.summary}\n`);
    cli.out(formatPlan(plan, { verbose: options.verbose }));
    if (mode === 'plan') {
      if (plan.refused) cli.err('some changes must be made by hand (see REFUSED above); `aura topics apply` would refuse\n');
      return plan.refused ? EXIT_FAILED : options.exitCode && plan.pending ? EXIT_USAGE : 0;
    }
    if (plan.refused) {
      cli.err('aura topics apply: refused — nothing was changed. Make the changes marked REFUSED by hand, or change the pipeline to match the cluster.\n');
      return EXIT_FAILED;
    }
    if (!plan.pending) {
      cli.out('nothing to apply\n');
      return 0;
    }
    const { created, grown } = await applyPlan(plan, admin);
    cli.out(
      `applied: ${created.length} created${created.length ? ` (${created.join(', ')})` : ''}, ${grown.length} grown${grown.length ? ` (${grown.join(', ')})` : ''}\n`,
    );
    return 0;
  } catch (err) {
    cli.err(`aura topics ${mode}: ${errorMessage(err)}\n`);
    return EXIT_FAILED;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export function registerTopics(program: Command, cli: CliContext): void {
  const topics = program.command('topics').description('compare the topics the pipeline needs with the cluster, and create them');
  const common = (cmd: Command) =>
    cmd
      .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
      .option('--state-dir <dir>', 'embedded log: local state directory (default: defaults.state_dir of the pipeline)')
      .option('-v, --verbose', 'also list the topics that are up to date');
  common(topics.command('plan').description('print the difference between the pipeline and the cluster'))
    .option('--exit-code', 'exit 2 when changes are pending')
    .action(async (file: string, options: TopicsOptions) => {
      cli.exitCode = await topicsCommand('plan', file, options, cli);
    });
  common(topics.command('apply').description('create missing topics and raise partition counts; refuses unsafe changes')).action(
    async (file: string, options: TopicsOptions) => {
      cli.exitCode = await topicsCommand('apply', file, options, cli);
    },
  );
}
