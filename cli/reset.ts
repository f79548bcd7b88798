/**
 * `aura reset [pipeline.yaml]`: start the app over, as Kafka Streams'
 * `kafka-streams-application-reset` does — move the group's committed input
 * offsets, delete the internal topics (changelogs, instance registry), wipe
 * the local state. Prints the plan; changes nothing without `--execute`.
 * Refuses while the group has members (every instance must be stopped; on
 * the embedded log the running process holds the log file) and while a
 * process has the local state open. See
 * cli/reset-plan.ts for what exactly happens, docs/runbooks.md for when.
 *
 *   --to-earliest (default) | --to-latest | --to-datetime ISO | --by-duration 2h | --shift-by N
 *   --local-only   only wipe this machine's state directory: every machine that ran the app
 *                  needs its state wiped, the offsets and topics are reset once
 */
import { type Command, InvalidArgumentError } from 'commander';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { parseDuration } from '../schemas/duration.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './context.js';
import { openPipeline } from './open-pipeline.js';
import { assertGroupEmpty, assertStateUnused, executeReset, formatResetPlan, planReset, type ResetTarget } from './reset-plan.js';

interface ResetFlags {
  stateDir?: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: number;
  byDuration?: number;
  shiftBy?: number;
  localOnly?: boolean;
  execute?: boolean;
}

function datetime(value: string): number {
  // A date without a zone would silently be local time: ask for one.
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(value.trim())) throw new InvalidArgumentError('needs a time zone, e.g. 2026-05-01T08:00:00Z');
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new InvalidArgumentError('is not an ISO 8601 date-time');
  return t;
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('is not a positive duration (e.g. 30m, 2h, 7d)');
  return ms;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer (negative goes back)');
  return n;
}

/** The one target asked for, or a usage error when several are. */
export function resetTarget(f: ResetFlags): ResetTarget | string {
  const asked: ResetTarget[] = [];
  if (f.toEarliest) asked.push({ kind: 'earliest' });
  if (f.toLatest) asked.push({ kind: 'latest' });
  if (f.toDatetime !== undefined) asked.push({ kind: 'datetime', at: f.toDatetime });
  if (f.byDuration !== undefined) asked.push({ kind: 'duration', ms: f.byDuration });
  if (f.shiftBy !== undefined) asked.push({ kind: 'shift', by: f.shiftBy });
  if (asked.length > 1) return 'choose one of --to-earliest, --to-latest, --to-datetime, --by-duration, --shift-by';
  return asked[0] ?? { kind: 'earliest' };
}

async function resetCommand(file: string, flags: ResetFlags, cli: CliContext): Promise<number> {
  const target = resetTarget(flags);
  if (typeof target === 'string') {
    cli.err(`aura reset: ${target}\n`);
    return EXIT_USAGE;
  }
  const opened = openPipeline(file, flags.stateDir, (msg) =>
    cli.err(`aura reset: ${msg}\n${/in use by process/.test(msg) ? 'Stop that process first: a reset needs every instance stopped.\n' : ''}`),
  );
  if (!opened) return EXIT_FAILED;
  const { pipeline, transport } = opened;
  try {
    await transport.connect();
    const admin = transport.admin();
    const plan = await planReset(pipeline, admin, opened.stateDir, target, Date.now(), Boolean(flags.localOnly));
    cli.out(`on ${opened.summary}\n`);
    cli.out(formatResetPlan(plan, Boolean(flags.execute)));
    // --local-only runs while the app's instances on other machines do; what matters there is this state directory.
    if (!plan.localOnly) assertGroupEmpty(plan);
    assertStateUnused(plan, opened.stateDir);
    if (!flags.execute) {
      cli.out('nothing changed: run again with --execute to do it\n');
      return EXIT_OK;
    }
    await executeReset(plan, admin, opened.stateDir);
    cli.out(
      plan.localOnly
        ? 'reset done: local state wiped (offsets and topics untouched)\n'
        : `reset done: ${plan.offsets.length} offsets moved, ${plan.deleteTopics.length} topics deleted, ${plan.recreateTopics.length} changelogs re-created, local state wiped\n`,
    );
    return EXIT_OK;
  } catch (err) {
    const refused = err instanceof AuraError && (err.code === ErrorCodes.GROUP_ACTIVE || err.code === ErrorCodes.STATE_IN_USE);
    cli.err(`aura reset: ${refused ? 'refused — ' : ''}${errorMessage(err)}\n`);
    return EXIT_FAILED;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export function registerReset(program: Command, cli: CliContext): void {
  program
    .command('reset')
    .description("start the app over: move the group's input offsets, delete internal topics, wipe local state (dry run unless --execute)")
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'local state directory to wipe (default: defaults.state_dir of the pipeline)')
    .option('--to-earliest', 'inputs from the earliest offset still held (default)')
    .option('--to-latest', 'inputs from their end: skip everything there is')
    .option('--to-datetime <iso>', 'inputs from the first record at or after this time, e.g. 2026-05-01T08:00:00Z', datetime)
    .option('--by-duration <duration>', 'inputs from the first record of this last period, e.g. 2h, 7d', duration)
    .option('--shift-by <n>', 'inputs shifted from their committed offsets by n (negative: back)', integer)
    .option('--local-only', "only wipe this machine's state directory (the other machines of an app reset elsewhere)")
    .option('--execute', 'do it (without it: print what would happen)')
    .action(async (file: string, flags: ResetFlags) => {
      cli.exitCode = await resetCommand(file, flags, cli);
    });
}
