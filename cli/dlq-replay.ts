/**
 * Re-publishes dead letters after a fix: each record of the dead-letter topic
 * goes back to the topic it came from (`aura.dlq.topic`) or to `to`, with its
 * original key, value, headers and timestamp, minus the `aura.dlq.*` headers,
 * plus `aura.replayed-from` = `<dlq topic>:<partition>:<offset>` — so if it
 * fails again, its new dead letter says it was a replay. The range read is
 * fixed when the replay starts (the end offsets then): records that fail
 * again land after it and are not replayed in a loop.
 *
 * At-least-once: running the same range twice publishes twice. The summary
 * gives the next offsets to start from.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import { DLQ_HEADERS } from '../runtime/dead-letter.js';
import type { Pipeline } from '../topology/model.js';
import type { Headers, LogRecord, OutgoingRecord, Transport } from '../transports/types.js';

export const REPLAYED_FROM_HEADER = 'aura.replayed-from';

export interface ReplayOptions {
  pipeline: Pipeline;
  transport: Transport;
  /** Only these partitions of the dead-letter topic (default: all). */
  partitions?: number[];
  /** First offset to read in each partition (default: the beginning). */
  fromOffset?: number;
  /** Send everything to this topic (physical name or topic id) instead of each record's origin. */
  to?: string;
  /** Only dead letters with this error code (`aura.dlq.error.code`). */
  filterCode?: string;
  /** Report only: read and decide, produce nothing. */
  dryRun?: boolean;
  /** Stamp replayed records with the current time instead of their original timestamp. */
  newTimestamps?: boolean;
  /** Called for every dead letter read, in order, with what was decided. */
  onRecord?: (entry: ReplayEntry) => void;
  /** Give up when no progress is made for this long (default 30 s). */
  idleTimeoutMs?: number;
  now?: () => number;
}

export type SkipReason = 'other_app' | 'filtered' | 'no_origin';

export interface ReplayEntry {
  partition: number;
  offset: number;
  key: string | null;
  code: string;
  node: string;
  message: string;
  /** Physical topic the record is (or would be) re-published to; undefined when skipped. */
  target?: string;
  skipped?: SkipReason;
}

export interface ReplaySummary {
  dlqTopic: string;
  dryRun: boolean;
  read: number;
  replayed: number;
  skipped: Record<SkipReason, number>;
  /** Records per target topic. */
  targets: Record<string, number>;
  /** Dead letters read per error code. */
  codes: Record<string, number>;
  /** Per partition read: the offsets covered, `to` exclusive (the next offset to start from). */
  ranges: Array<{ partition: number; from: number; to: number }>;
}

const BATCH = 500;

export async function replayDeadLetters(o: ReplayOptions): Promise<ReplaySummary> {
  const { pipeline, transport } = o;
  const dlqId = pipeline.defaults.deadLetterTopic;
  const dlq = dlqId ? pipeline.topics[dlqId] : undefined;
  if (!dlq) throw new AuraError(ErrorCodes.CONFIG_INVALID, `${pipeline.app} has no dead-letter topic (defaults.dead_letter_topic)`);
  const partitions = o.partitions ?? Array.from({ length: dlq.partitions }, (_, p) => p);
  const bad = partitions.filter((p) => !Number.isInteger(p) || p < 0 || p >= dlq.partitions);
  if (bad.length > 0) throw new AuraError(ErrorCodes.CONFIG_INVALID, `${dlq.name} has partitions 0..${dlq.partitions - 1}, not ${bad.join(', ')}`);
  const summary: ReplaySummary = {
    dlqTopic: dlq.name,
    dryRun: Boolean(o.dryRun),
    read: 0,
    replayed: 0,
    skipped: { other_app: 0, filtered: 0, no_origin: 0 },
    targets: {},
    codes: {},
    ranges: [],
  };

  const targets = new TargetTopics(pipeline, transport);
  const fixedTarget = o.to ? await targets.resolve(o.to) : undefined;
  const consumer = transport.consumer({ isolation: 'read_committed', clientId: `${pipeline.app}-dlq-replay` });
  const producer = o.dryRun ? undefined : transport.producer({ clientId: `${pipeline.app}-dlq-replay` });
  try {
    const tps = partitions.map((partition) => ({ topic: dlq.name, partition }));
    const ends = new Map((await consumer.endOffsets(tps)).map((e) => [e.partition, e.offset]));
    const starts = new Map((await consumer.beginningOffsets(tps)).map((b) => [b.partition, Math.max(b.offset, o.fromOffset ?? 0)]));
    const todo = tps.filter((tp) => starts.get(tp.partition)! < ends.get(tp.partition)!);
    for (const tp of tps)
      summary.ranges.push({ partition: tp.partition, from: starts.get(tp.partition)!, to: Math.max(starts.get(tp.partition)!, ends.get(tp.partition)!) });
    if (todo.length === 0) return summary;
    await consumer.assign(todo.map((tp) => ({ ...tp, offset: starts.get(tp.partition)! })));
    const remaining = new Set(todo.map((tp) => tp.partition));
    const idle = o.idleTimeoutMs ?? 30_000;
    let lastProgress = Date.now();
    while (remaining.size > 0) {
      const batch: OutgoingRecord[] = [];
      const polled = await consumer.poll(BATCH, 200);
      let progressed = polled.length > 0;
      for (const r of polled) {
        if (r.offset >= ends.get(r.partition)!) continue;
        const entry = await decide(r, o, fixedTarget, targets);
        summary.read++;
        summary.codes[entry.code] = (summary.codes[entry.code] ?? 0) + 1;
        if (entry.skipped) summary.skipped[entry.skipped]++;
        else {
          summary.replayed++;
          summary.targets[entry.target!] = (summary.targets[entry.target!] ?? 0) + 1;
          batch.push(replayRecord(r, entry.target!, await targets.partitions(entry.target!), transport, o));
        }
        o.onRecord?.(entry);
      }
      if (producer && batch.length > 0) await producer.send(batch);
      for (const p of remaining) {
        if ((consumer.position({ topic: dlq.name, partition: p }) ?? -1) >= ends.get(p)!) {
          remaining.delete(p);
          progressed = true;
        }
      }
      if (progressed) lastProgress = Date.now();
      else if (Date.now() - lastProgress > idle) {
        throw new AuraError(
          ErrorCodes.TRANSPORT_FAILED,
          `reading ${dlq.name} made no progress for ${idle} ms (partitions ${[...remaining].join(', ')} not at their end)`,
          { retriable: true },
        );
      }
    }
    await producer?.flush();
    return summary;
  } finally {
    await consumer.close().catch(() => undefined);
    await producer?.close().catch(() => undefined);
  }
}

async function decide(r: LogRecord, o: ReplayOptions, fixedTarget: string | undefined, targets: TargetTopics): Promise<ReplayEntry> {
  const h = r.headers;
  const entry: ReplayEntry = {
    partition: r.partition,
    offset: r.offset,
    key: r.key ?? (h[DLQ_HEADERS.key] || null),
    code: h[DLQ_HEADERS.code] ?? 'UNKNOWN',
    node: h[DLQ_HEADERS.node] ?? '?',
    message: h[DLQ_HEADERS.message] ?? '',
  };
  // A dead-letter topic may be shared by several pipelines: replay only this one's.
  if (h[DLQ_HEADERS.app] && h[DLQ_HEADERS.app] !== o.pipeline.app) entry.skipped = 'other_app';
  else if (o.filterCode && entry.code !== o.filterCode) entry.skipped = 'filtered';
  else if (!fixedTarget && !h[DLQ_HEADERS.topic]) entry.skipped = 'no_origin';
  else entry.target = fixedTarget ?? (await targets.resolve(h[DLQ_HEADERS.topic]!));
  return entry;
}

function replayRecord(r: LogRecord, target: string, partitions: number, transport: Transport, o: ReplayOptions): OutgoingRecord {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(r.headers)) if (!k.startsWith('aura.dlq.')) headers[k] = v;
  headers[REPLAYED_FROM_HEADER] = `${r.topic}:${r.partition}:${r.offset}`;
  const key = r.key ?? (r.headers[DLQ_HEADERS.key] || null);
  const original = Number(r.headers[DLQ_HEADERS.partition]);
  // Keyed records go where Kafka's partitioner puts their key (as every producer here does); others back to their partition.
  const partition = key !== null ? transport.partitionFor(key, partitions) : Number.isInteger(original) && original < partitions ? original : 0;
  const stamped = Number(r.headers[DLQ_HEADERS.timestamp]);
  const timestamp = !o.newTimestamps && Number.isFinite(stamped) ? stamped : (o.now ?? Date.now)();
  return { topic: target, partition, key, value: r.value, timestamp, headers };
}

/** Physical names and partition counts of replay targets: the pipeline's topics, else what the cluster says. */
class TargetTopics {
  private cluster?: Map<string, number>;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly transport: Transport,
  ) {}

  /** The physical name for a topic id or name; throws when the topic exists nowhere. */
  async resolve(idOrName: string): Promise<string> {
    const byId = this.pipeline.topics[idOrName];
    if (byId) return byId.name;
    await this.partitions(idOrName);
    return idOrName;
  }

  async partitions(name: string): Promise<number> {
    const spec = Object.values(this.pipeline.topics).find((t) => t.name === name);
    if (spec) return spec.partitions;
    this.cluster ??= new Map((await this.transport.admin().listTopics()).map((t) => [t.name, t.partitions]));
    const n = this.cluster.get(name);
    if (n === undefined)
      throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic ${name} does not exist (neither in ${this.pipeline.app}'s pipeline nor on the cluster)`);
    return n;
  }
}
