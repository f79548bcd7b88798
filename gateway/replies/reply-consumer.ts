/**
 * The gateway's reply consumer: no consumer group (every instance reads every
 * partition of the reply topics and keeps only what carries its own
 * `aura.reply.to`), read_committed (aborted pipeline transactions never reach
 * a client). Positions are stored in the gateway's database in the same
 * transaction as the messages a batch produced, so a restart resumes exactly
 * there — answers that arrived while the instance was down are read then.
 *
 * Through a broker outage it keeps polling (failed polls are retried with
 * backoff, without end: it holds no transaction and resumes where it was);
 * `health()` says meanwhile since when it fails, for `/readyz`.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { backoffMs } from '../../runtime/failures.js';
import type { ValueSerdes } from '../../runtime/serde.js';
import type { Consumer, LogRecord, TopicPartitionOffset, Transport } from '../../transports/types.js';
import type { UserOutbox } from '../streams/outbox.js';
import type { Positions } from '../streams/state-db.js';

export type RecordHandler = (record: LogRecord) => void;

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
    this.loop = this.run(consumer);
  }

  health(): ReplyConsumerHealth {
    const unreachable = this.running ? this.consumer?.unreachableSince?.() : undefined;
    return { reading: this.ready, ...(this.failing ? { failing: { ...this.failing } } : {}), ...(unreachable ? { unreachable } : {}) };
  }

  async stop(): Promise<void> {
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
      try {
        await this.options.serdes?.prefetch?.(records);
        this.options.outbox.batch(() => this.handle(records));
        this.recordsRead += records.length;
      } catch (err) {
        // Storing failed (disk full?), or the Schema Registry did not answer: nothing of the batch was kept; read it again.
        this.options.logger.error({ err: errorMessage(err) }, 'reply consumer: storing a batch failed; re-reading it');
        for (const [k, offset] of firstOffsets(records)) {
          const [topic, partition] = splitKey(k);
          consumer.seek({ topic, partition, offset });
        }
        await sleep(500);
      }
    }
  }

  private handle(records: LogRecord[]): void {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const record of records) {
      const route = this.routes.get(record.topic);
      if (!route) continue;
      try {
        route.handler(record);
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
