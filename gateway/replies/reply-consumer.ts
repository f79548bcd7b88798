/**
 * The gateway's reply consumer: no consumer group (every instance reads every
 * partition of the reply topics and keeps only what carries its own
 * `aura.reply.to`), read_committed (aborted pipeline transactions never reach
 * a client). Positions are stored in the gateway's database in the same
 * transaction as the messages a batch produced, so a restart resumes exactly
 * there — answers that arrived while the instance was down are read then.
 *
 * When the pipeline runs in this process, its engine hands over what it made
 * readable the moment it did (`follow(engine)`: engine.onReadable — the
 * outputs of each committed transaction, after the commit, and the
 * acknowledged `delivery: immediate` chunks): those are handled at once, and
 * the consumer's later read of the same records changes nothing (the trackers
 * keep the stage, chunk and answer each event or request reached). That skips
 * a fetch round trip per status and chunk; the consumer stays the authority
 * for what a peer's engine produced, for restarts and for whatever the
 * shortcut missed. Nothing a transaction did not commit is ever handed over.
 *
 * Through a broker outage it keeps polling (failed polls are retried with
 * backoff, without end: it holds no transaction and resumes where it was);
 * `health()` says meanwhile since when it fails, for `/readyz`.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { backoffMs } from '../../runtime/failures.js';
import { PROCESSING_SLICE_MS, sliceUsed, takeTurn } from '../../runtime/processing-slice.js';
import type { ValueSerdes } from '../../runtime/serde.js';
import type { Consumer, LogRecord, OutgoingRecord, TopicPartitionOffset, Transport } from '../../transports/types.js';
import type { UserOutbox } from '../streams/outbox.js';
import type { Positions } from '../streams/state-db.js';

/**
 * `source`: `log` for what the consumer read, `engine` for what this process's engine handed over
 * (no offset: -1), which handlers take only where it cannot reorder anything (see AdviceTracker).
 */
export type RecordHandler = (record: LogRecord, source: RecordSource) => void;
export type RecordSource = 'log' | 'engine';

/** What `follow` needs of the engine (runtime/engine.ts). */
export interface ReadableRecords {
  onReadable(listener: (records: readonly OutgoingRecord[]) => void): () => void;
}

interface Route {
  topic: string;
  partitions: number;
  handler: RecordHandler;
  /** `resume`: from the stored position (first start: the end). `replay`: the whole log on every start (compacted registries). */
  start: 'resume' | 'replay';
}

export interface ReplyConsumerOptions {
  transport: Transport;
  outbox: UserOutbox;
  positions: Positions;
  logger: Logger;
  clientId: string;
  pollMaxRecords?: number;
  pollTimeoutMs?: number;
  /** Fetches the registry schemas a batch needs before its records are handled (the handlers decode with them). */
  serdes?: Pick<ValueSerdes, 'prefetch'>;
  /** The engine of the pipeline running in this process, followed from `start()` (see `follow`). */
  engine?: ReadableRecords;
}

export interface ReplyConsumerHealth {
  /** The first poll returned: replies reach this instance. */
  reading: boolean;
  /** Polls have been failing since then (epoch ms), `attempts` times; undefined while they work. */
  failing?: { since: number; attempts: number; error: string };
  /** Since when its client sees no broker at all. */
  unreachable?: { since: number; error: string };
}

export class ReplyConsumer {
  private readonly routes = new Map<string, Route>();
  private consumer?: Consumer;
  private running = false;
  private loop?: Promise<void>;
  /** True once the first poll returned: the instance then sees replies. */
  ready = false;
  recordsRead = 0;
  /** Records of the reply topics handed over by this process's engine (before the consumer reads them). */
  recordsFromEngine = 0;
  private unfollow?: () => void;
  private failing: ReplyConsumerHealth['failing'];

  constructor(private readonly options: ReplyConsumerOptions) {}

  route(topic: string, partitions: number, handler: RecordHandler, start: Route['start'] = 'resume'): this {
    this.routes.set(topic, { topic, partitions, handler, start });
    return this;
  }

  async start(): Promise<void> {
    const { transport, positions } = this.options;
    const consumer = transport.consumer({ isolation: 'read_committed', autoOffsetReset: 'latest', clientId: this.options.clientId });
    this.consumer = consumer;
    const saved = positions.all();
    const all = [...this.routes.values()];
    const replay = all.filter((r) => r.start === 'replay').flatMap(partitionsOf);
    const fresh = all
      .filter((r) => r.start === 'resume')
      .flatMap(partitionsOf)
      .filter((tp) => !saved.has(`${tp.topic}:${tp.partition}`));
    const beginnings = new Map((await consumer.beginningOffsets(replay)).map((o) => [`${o.topic}:${o.partition}`, o.offset]));
    // A first start begins at the end of the log, and says so durably: a restart must not skip what came in between.
    const ends = await consumer.endOffsets(fresh);
    this.options.outbox.batch(() => ends.forEach((e) => positions.save(e.topic, e.partition, e.offset)));
    for (const e of ends) saved.set(`${e.topic}:${e.partition}`, e.offset);
    const assignment: TopicPartitionOffset[] = [];
    for (const r of all) {
      for (const tp of partitionsOf(r)) {
        const k = `${tp.topic}:${tp.partition}`;
        assignment.push({ ...tp, offset: r.start === 'replay' ? (beginnings.get(k) ?? 0) : saved.get(k)! });
      }
    }
    await consumer.assign(assignment);
    this.running = true;
    if (this.options.engine) this.follow(this.options.engine);
    this.loop = this.run(consumer);
  }

  /**
   * Takes the records `engine` makes readable as it does (the pipeline of this process); replaces
   * the engine followed before, if any (a pipeline swapped under a running gateway).
   */
  follow(engine: ReadableRecords): void {
    this.unfollow?.();
    this.unfollow = engine.onReadable((records) => this.fromEngine(records));
  }

  health(): ReplyConsumerHealth {
    const unreachable = this.running ? this.consumer?.unreachableSince?.() : undefined;
    return { reading: this.ready, ...(this.failing ? { failing: { ...this.failing } } : {}), ...(unreachable ? { unreachable } : {}) };
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = undefined;
    this.running = false;
    await this.loop;
    await this.consumer?.close().catch(() => undefined);
  }

  private async run(consumer: Consumer): Promise<void> {
    const max = this.options.pollMaxRecords ?? 2000;
    const timeout = this.options.pollTimeoutMs ?? 100;
    while (this.running) {
      let records: LogRecord[];
      try {
        records = await consumer.poll(max, timeout);
      } catch (err) {
        if (!this.running) break;
        this.failing ??= { since: Date.now(), attempts: 0, error: '' };
        this.failing.attempts++;
        this.failing.error = errorMessage(err);
        const wait = backoffMs(this.failing.attempts);
        this.options.logger.warn({ err: this.failing.error, attempt: this.failing.attempts, retryInMs: wait }, 'reply consumer: poll failed; retrying');
        await sleep(wait);
        continue;
      }
      this.failing = undefined;
      this.ready = true;
      if (records.length === 0) continue;
      let from = 0;
      try {
        await this.options.serdes?.prefetch?.(records);
        // In pieces of the loop's shared slice (runtime/processing-slice.ts), each one transaction
        // with its positions: a poll of up to `pollMaxRecords` handled at once held the event loop
        // for 15–18 ms in the load test, on top of whatever else ran in that stretch.
        while (from < records.length) {
          await takeTurn();
          const to = this.options.outbox.batch(() => this.handle(records, from));
          this.recordsRead += to - from;
          from = to;
        }
      } catch (err) {
        // Storing failed (disk full?), or the Schema Registry did not answer: nothing of the piece was kept; read it again.
        this.options.logger.error({ err: errorMessage(err) }, 'reply consumer: storing a batch failed; re-reading it');
        for (const [k, offset] of firstOffsets(records.slice(from))) {
          const [topic, partition] = splitKey(k);
          consumer.seek({ topic, partition, offset });
        }
        await sleep(500);
      }
    }
  }

  /**
   * Records this process's engine just made readable: those of resumed routes are handled in one
   * transaction of the gateway's database, positions untouched (the consumer reads them later and
   * they change nothing). A record that cannot be handled here is left to the consumer.
   */
  private fromEngine(records: readonly OutgoingRecord[]): void {
    if (!this.running) return;
    const routed: Array<{ route: Route; record: LogRecord }> = [];
    for (const r of records) {
      const route = this.routes.get(r.topic);
      if (route?.start !== 'resume') continue;
      routed.push({
        route,
        record: { topic: r.topic, partition: r.partition ?? -1, offset: -1, key: r.key, value: r.value, timestamp: r.timestamp ?? 0, headers: r.headers ?? {} },
      });
    }
    if (routed.length === 0) return;
    this.recordsFromEngine += routed.length;
    try {
      this.options.outbox.batch(() => {
        for (const { route, record } of routed) {
          try {
            route.handler(record, 'engine');
          } catch {
            // E.g. a registry schema not fetched yet (decoding is synchronous here): the consumer handles it.
          }
        }
      });
    } catch (err) {
      // Storing failed: nothing of it was kept; the consumer reads the records again.
      this.options.logger.warn({ err: errorMessage(err) }, 'reply consumer: storing records from the engine failed; left to the consumer');
    }
  }

  /** Handles records from `from` on until the loop's slice is used (one at least); returns where it stopped. */
  private handle(records: LogRecord[], from: number): number {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    let i = from;
    while (i < records.length && (i === from || sliceUsed() < PROCESSING_SLICE_MS)) {
      const record = records[i++]!;
      const route = this.routes.get(record.topic);
      if (!route) continue;
      try {
        route.handler(record, 'log');
      } catch (err) {
        // One malformed reply must not stop every other client's stream.
        this.options.logger.warn(
          { topic: record.topic, partition: record.partition, offset: record.offset, err: errorMessage(err) },
          'reply consumer: record skipped',
        );
      }
      if (route.start === 'resume')
        next.set(`${record.topic}:${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    }
    for (const p of next.values()) this.options.positions.save(p.topic, p.partition, p.offset);
    return i;
  }
}

function partitionsOf(r: Route): Array<{ topic: string; partition: number }> {
  return Array.from({ length: r.partitions }, (_, partition) => ({ topic: r.topic, partition }));
}

function firstOffsets(records: LogRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    const k = `${r.topic}:${r.partition}`;
    if (!out.has(k)) out.set(k, r.offset);
  }
  return out;
}

function splitKey(k: string): [string, number] {
  const i = k.lastIndexOf(':');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
