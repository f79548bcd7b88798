/**
 * `aura dlq replay [pipeline.yaml]`: re-publishes the dead letters of the
 * pipeline to the topics they came from, once the cause is fixed (see
 * docs/runbooks.md). Same transport choice as `aura run`: Kafka when
 * KAFKA_BROKERS is set, else the embedded log under the state directory (stop
 * `aura run`/`aura serve` first there: one process owns that log).
 *
 *   --dry-run            list what would be replayed, publish nothing
 *   --filter-code CODE   only dead letters with this error code
 *   --to TOPIC           publish everything to TOPIC (id or name) instead
 *   --partition P,..     only these partitions of the dead-letter topic
 *   --from-offset N      start at offset N in each partition read
 */
import { type Command, InvalidArgumentError } from 'commander';
import { errorMessage } from '../common/errors.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK } from './context.js';
import { type ReplayEntry, type ReplaySummary, replayDeadLetters, type SkipReason } from './dlq-replay.js';
import { openPipeline } from './open-pipeline.js';

interface ReplayFlags {
  stateDir?: string;
  fromOffset?: number;
  partition?: number[];
  to?: string;
  filterCode?: string;
  dryRun?: boolean;
  newTimestamps?: boolean;
  verbose?: boolean;
}

const SKIPPED: Record<SkipReason, string> = {
  other_app: 'from another app sharing the topic',
  filtered: 'filtered out by --filter-code',
  no_origin: 'without an aura.dlq.topic header (use --to)',
};

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
}

function partitionList(value: string): number[] {
  return value.split(',').map((v) => nonNegativeInt(v.trim()));
}

export function formatEntry(e: ReplayEntry): string {
  const message = e.message.length > 80 ? `${e.message.slice(0, 77)}...` : e.message;
  const where = e.skipped ? `skipped (${SKIPPED[e.skipped]})` : `→ ${e.target}`;
  return `  p${e.partition}@${e.offset}  ${e.code}  ${e.node}  key=${e.key ?? '(none)'}  ${where}${message ? `  "${message}"` : ''}\n`;
}

export function formatSummary(s: ReplaySummary): string {
  const count = (m: Record<string, number>) =>
    Object.entries(m)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} → ${k}`);
  let out = s.read === 0 ? `no dead letters to read in ${s.dlqTopic}${s.ranges.length ? ' (in the range asked)' : ''}\n` : '';
  if (s.read > 0) {
    const verb = s.dryRun ? 'would replay' : 'replayed';
    out += `${verb} ${s.replayed} of ${s.read} dead letters${s.replayed ? `: ${count(s.targets).join(', ')}` : ''}\n`;
    const skipped = Object.entries(s.skipped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${SKIPPED[k as SkipReason]}`);
    if (skipped.length) out += `skipped: ${skipped.join('; ')}\n`;
    out += `error codes: ${Object.entries(s.codes)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}\n`;
  }
  const read = s.ranges.filter((r) => r.to > r.from);
  if (read.length) {
    out += `offsets read: ${read.map((r) => `p${r.partition} ${r.from}..${r.to - 1}`).join(', ')}\n`;
    out += `to replay only what arrives later: --partition P --from-offset N with ${read.map((r) => `p${r.partition}=${r.to}`).join(' ')}\n`;
  }
  return out;
}

async function replayCommand(file: string, flags: ReplayFlags, cli: CliContext): Promise<number> {
  const opened = openPipeline(file, flags.stateDir, (msg) => cli.err(`aura dlq replay: ${msg}\n`));
  if (!opened) return EXIT_FAILED;
  const { pipeline } = opened;
  const { transport } = opened;
  const dlq = pipeline.defaults.deadLetterTopic ? pipeline.topics[pipeline.defaults.deadLetterTopic]?.name : undefined;
  try {
    await transport.connect();
    cli.out(
      `dlq replay of ${pipeline.app}: ${dlq ?? '(no dead-letter topic)'} on ${opened.summary}${flags.dryRun ? ' — dry run, nothing is published' : ''}\n`,
    );
    const list = flags.dryRun || flags.verbose;
    const summary = await replayDeadLetters({
      pipeline,
      transport,
      partitions: flags.partition,
      fromOffset: flags.fromOffset,
      to: flags.to,
      filterCode: flags.filterCode,
      dryRun: flags.dryRun,
      newTimestamps: flags.newTimestamps,
      onRecord: list ? (e) => cli.out(formatEntry(e)) : undefined,
    });
    cli.out(formatSummary(summary));
    return EXIT_OK;
  } catch (err) {
    cli.err(`aura dlq replay: ${errorMessage(err)}\n`);
    return EXIT_FAILED;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export function registerDlq(program: Command, cli: CliContext): void {
  const dlq = program.command('dlq').description('dead letters: re-publish them once the cause is fixed');
  dlq
    .command('replay')
    .description('re-publish dead letters to the topic each came from (or --to), with their key, value and headers')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'embedded log: local state directory (default: defaults.state_dir of the pipeline)')
    .option('--from-offset <n>', 'first offset to read in each partition (default: the beginning)', nonNegativeInt)
    .option('--partition <list>', 'only these partitions of the dead-letter topic, e.g. 0,3', partitionList)
    .option('--to <topic>', "publish everything to this topic (id or physical name) instead of each record's origin")
    .option('--filter-code <code>', 'only dead letters with this error code (header aura.dlq.error.code), e.g. DESERIALIZATION')
    .option('--dry-run', 'list what would be replayed and publish nothing')
    .option('--new-timestamps', 'stamp replayed records with the current time (default: their original timestamp)')
    .option('-v, --verbose', 'list every dead letter read (always on with --dry-run)')
    .action(async (file: string, flags: ReplayFlags) => {
      cli.exitCode = await replayCommand(file, flags, cli);
    });
}
