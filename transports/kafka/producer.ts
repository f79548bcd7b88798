/**
 * Producer over librdkafka's callback-style `Producer` (not the KafkaJS shim):
 * `produce()` only enqueues, so a batch is N synchronous enqueues and one wait
 * for N delivery reports, with the partition computed here by murmur2 so the
 * embedded log and Kafka place every key identically. A transactional producer
 * matches the reports to records by partition order rather than by a per-record
 * opaque (delivery-queue.ts: ~1 µs less JavaScript CPU per record). Transactions map 1:1 to
 * librdkafka's (init/begin/sendOffsets/commit/abort); `sendOffsetsToTransaction`
 * takes the consumer itself, which is what `KafkaConsumerAdapter.groupMetadata()`
 * hands out.
 */

import type { DeliveryReport, LibrdKafkaError, MessageHeader } from '@confluentinc/kafka-javascript';
import rdkafka from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes, errorMessage } from '../../common/errors.js';
import { partitionForKey } from '../murmur2.js';
import type { OutgoingRecord, Producer, ProducerOptions, RecordMetadata, TopicPartitionOffset } from '../types.js';
import { DeliveryQueue, type PendingSend } from './delivery-queue.js';
import { call, isFenced, RD_ERRORS, toAuraError } from './errors.js';
import { Reachability } from './reachability.js';

const TXN_TIMEOUT_MS = 30_000;
/**
 * Broker-side transaction timeout. Kafka Streams uses 10 s under exactly-once: a crashed
 * instance's open transaction blocks the last stable offset of its partitions (and so the
 * restore of its tasks elsewhere) until it is aborted. A little more slack here for small,
 * shared machines; KAFKA_TRANSACTION_TIMEOUT_MS (or `extra`) overrides it.
 */
const TRANSACTION_TIMEOUT_MS = Number(process.env.KAFKA_TRANSACTION_TIMEOUT_MS) || 15_000;
/** Partition counts are re-read after this long (librdkafka refreshes its own metadata every 5 min). */
const METADATA_TTL_MS = 30_000;

export class KafkaProducerAdapter implements Producer {
  private readonly client: rdkafka.Producer;
  private readonly partitions = new Map<string, { count: number; at: number }>();
  private ready: Promise<void> | undefined;
  private fatal: LibrdKafkaError | undefined;
  /** When the open transaction began (a fence after transaction.timeout.ms may be the broker's own abort). */
  private txnStartedAt: number | undefined;
  /**
   * Transactional producers only: records of known partition are produced without an opaque and
   * their reports matched by order (delivery-queue.ts says why that is safe there, and what it saves).
   */
  private readonly byOrder: DeliveryQueue | undefined;

  constructor(
    base: Record<string, string | number | boolean>,
    private readonly options: ProducerOptions,
    /** Shared by the transport's clients: an acknowledged call proves the cluster answers. */
    private readonly reachability = new Reachability(),
  ) {
    const conf: Record<string, string | number | boolean> = {
      'compression.codec': options.compression ?? 'lz4',
      // The engine hands a whole commit's records over at once and awaits them, and the gateway
      // awaits each publish: lingering only adds latency (5 ms, librdkafka's default, cost ~3 ms
      // per transaction, docs/benchmarks.md "Kafka hop latency"); 1 ms still lets a burst of
      // enqueues share a request. Overridable in kafka.producer / KAFKA_CONFIG_*.
      'linger.ms': 1,
      'transaction.timeout.ms': TRANSACTION_TIMEOUT_MS,
      ...base,
      'enable.idempotence': true,
      // Only for records we could not place ourselves; same answer as Java for non-null keys.
      partitioner: 'murmur2_random',
      dr_cb: true,
    };
    if (options.clientId) conf['client.id'] = options.clientId;
    if (options.transactionalId) conf['transactional.id'] = options.transactionalId;
    this.byOrder = options.transactionalId ? new DeliveryQueue() : undefined;
    // A record not acknowledged by then fails its send (the gateway answers 503 rather than hang).
    if (options.deliveryTimeoutMs !== undefined) conf['message.timeout.ms'] = options.deliveryTimeoutMs;
    this.client = new rdkafka.Producer(conf as never);
    this.client.on('delivery-report', (err, report) => this.delivered(err, report));
    this.client.on('event.error', (err: LibrdKafkaError) => {
      if (err.isFatal) this.fatal = err;
    });
  }

  /** Connects, starts background polling for delivery reports and, if transactional, fences older instances. */
  connect(): Promise<void> {
    this.ready ??= (async () => {
      await call('producer connect', (cb) => this.client.connect({ timeout: 15_000 }, (err) => cb(err as LibrdKafkaError)));
      this.client.setPollInBackground(true);
      if (this.options.transactionalId) {
        await call('initTransactions', (cb) => this.client.initTransactions(TXN_TIMEOUT_MS, cb));
      }
    })();
    return this.ready;
  }

  async send(records: OutgoingRecord[]): Promise<RecordMetadata[]> {
    await this.connect();
    if (records.length === 0) return [];
    await this.loadPartitionCounts(records);
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const pending: PendingSend = {
        results: new Array(records.length),
        remaining: records.length,
        error: undefined,
        done: (err) => {
          if (err) return reject(toAuraError(err, 'send'));
          this.reachability.reached();
          resolve(pending.results);
        },
      };
      for (let index = 0; index < records.length; index++) this.enqueue(records[index]!, pending, index);
    }).catch((err) => this.guard(Promise.reject(err)));
  }

  async flush(): Promise<void> {
    await this.connect();
    await call('flush', (cb) => this.client.flush(30_000, cb));
  }

  async beginTransaction(): Promise<void> {
    await this.connect();
    this.requireTransactional('beginTransaction');
    await this.guard(call('beginTransaction', (cb) => this.client.beginTransaction(cb)));
    this.txnStartedAt = Date.now();
  }

  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], groupMetadata: unknown): Promise<void> {
    this.requireTransactional('sendOffsetsToTransaction');
    if (!(groupMetadata instanceof rdkafka.KafkaConsumer)) {
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'sendOffsetsToTransaction: groupMetadata must come from a Kafka consumer of the same transport');
    }
    if (offsets.length === 0) return;
    const plain = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    await this.guard(call('sendOffsetsToTransaction', (cb) => this.client.sendOffsetsToTransaction(plain, groupMetadata, TXN_TIMEOUT_MS, cb)));
  }

  async commitTransaction(): Promise<void> {
    this.requireTransactional('commitTransaction');
    await this.guard(call('commitTransaction', (cb) => this.client.commitTransaction(TXN_TIMEOUT_MS, cb)));
    this.txnStartedAt = undefined;
    this.reachability.reached();
  }

  async abortTransaction(): Promise<void> {
    this.requireTransactional('abortTransaction');
    await this.guard(call('abortTransaction', (cb) => this.client.abortTransaction(TXN_TIMEOUT_MS, cb)));
    this.txnStartedAt = undefined;
  }

  /**
   * After a fatal error (reported through `event.error`) every later call fails; mark those
   * failures fatal so the engine replaces this producer instead of retrying on it.
   */
  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      // Deliveries purged because the producer was fenced: report the fence, not the purge.
      if (this.fatal && isFenced(this.fatal) && !(err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FENCED)) {
        throw this.describeFence(toAuraError(this.fatal, errorMessage(err)));
      }
      if (err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FENCED) throw this.describeFence(err);
      if (this.fatal && err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FAILED && err.details?.fatal !== true) {
        throw new AuraError(err.code, `${err.message} (fatal: ${this.fatal.message})`, { cause: err, details: { ...err.details, fatal: true } });
      }
      throw err;
    }
  }

  /**
   * A fence says that our epoch is over: a newer producer with our transactional id took over,
   * or the broker aborted our transaction because it outlived transaction.timeout.ms (a broker
   * outage does that). Only the transaction's age tells them apart; the engine replaces the
   * producer in the second case and stops in the first (runtime/failures.ts).
   */
  private describeFence(err: AuraError): AuraError {
    const ageMs = this.txnStartedAt === undefined ? undefined : Date.now() - this.txnStartedAt;
    const timedOut = ageMs !== undefined && ageMs >= TRANSACTION_TIMEOUT_MS;
    return new AuraError(err.code, timedOut ? `${err.message} (the transaction was ${Math.round(ageMs / 1000)} s old: timed out on the broker)` : err.message, {
      cause: err.cause ?? err,
      details: { ...err.details, transactionAgeMs: ageMs, transactionTimedOut: timedOut },
    });
  }

  async close(): Promise<void> {
    if (!this.ready) return;
    await this.ready.catch(() => undefined);
    if (!this.client.isConnected()) return;
    // A fenced producer cannot flush; it only needs to let go of its connections. A transactional
    // one has nothing to flush: its records were awaited by the commit, or go with the abort (and
    // flushing towards an unreachable broker would only hold a replacement up).
    if (!this.fatal && !this.options.transactionalId) await call('flush', (cb) => this.client.flush(10_000, cb)).catch(() => undefined);
    await new Promise<void>((resolve) => this.client.disconnect(5_000, () => resolve()));
  }

  private enqueue(r: OutgoingRecord, pending: PendingSend, index: number): void {
    const partition = r.partition ?? (r.key === null ? -1 : partitionForKey(r.key, this.partitions.get(r.topic)!.count));
    const headers: MessageHeader[] | undefined = r.headers ? Object.entries(r.headers).map(([k, v]) => ({ [k]: v })) : undefined;
    // Matched by order when the partition is ours to know; else (a null key placed by librdkafka) by opaque.
    const byOrder = partition >= 0 ? this.byOrder : undefined;
    const opaque = byOrder ? undefined : { pending, index };
    for (;;) {
      try {
        this.client.produce(r.topic, partition, r.value, r.key ?? undefined, r.timestamp ?? null, opaque, headers);
        // Reports are dispatched from a later event-loop turn (the binding queues them), never inside produce().
        byOrder?.push(r.topic, partition, pending, index);
        return;
      } catch (err) {
        // A full local queue: serve delivery reports synchronously and retry (rare; 100k messages by default).
        if ((err as LibrdKafkaError).code === RD_ERRORS.ERR__QUEUE_FULL) {
          this.client.poll();
          continue;
        }
        // Not enqueued, so no report will come: fail this record here.
        this.settle(err as LibrdKafkaError, pending, index, undefined);
        return;
      }
    }
  }

  private delivered(err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    const opaque = report.opaque as { pending: PendingSend; index: number } | undefined;
    if (opaque === undefined) this.byOrder?.delivered(err, report.topic, report.partition, Number(report.offset));
    else this.settle(err, opaque.pending, opaque.index, report);
  }

  private settle(err: LibrdKafkaError | null | undefined, pending: PendingSend, index: number, report: DeliveryReport | undefined): void {
    if (err || !report) pending.error ??= err;
    else pending.results[index] = { topic: report.topic, partition: report.partition, offset: Number(report.offset) };
    if (--pending.remaining === 0) pending.done(pending.error);
  }

  /** One metadata request per topic whose partition count we do not know (or too old); never per record. */
  private async loadPartitionCounts(records: OutgoingRecord[]): Promise<void> {
    const now = Date.now();
    const missing = new Set<string>();
    // A commit's records come in runs of one topic (a task's changelog, then its outputs): one lookup per run.
    let checked: string | undefined;
    for (const r of records) {
      if (r.partition !== undefined || r.key === null || r.topic === checked) continue;
      checked = r.topic;
      const known = this.partitions.get(r.topic);
      if (!known || now - known.at > METADATA_TTL_MS) missing.add(r.topic);
    }
    await Promise.all(
      [...missing].map(async (topic) => {
        const md = await call<rdkafka.Metadata>(`metadata ${topic}`, (cb) => this.client.getMetadata({ topic, timeout: 10_000 }, cb));
        const t = md.topics.find((x) => x.name === topic);
        if (!t || t.partitions.length === 0) throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic does not exist: ${topic}`);
        this.partitions.set(topic, { count: t.partitions.length, at: now });
      }),
    );
  }

  private requireTransactional(what: string): void {
    if (!this.options.transactionalId) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: producer has no transactionalId`);
  }
}
