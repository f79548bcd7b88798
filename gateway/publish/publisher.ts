/**
 * The gateway's producer. Requests that arrive in the same tick share one
 * `send` (one broker round trip, one SQLite transaction on the embedded log);
 * each request still awaits the acknowledgement of its own record before
 * answering. Records carry an explicit partition: murmur2 of the key, the same
 * as the engine and Kafka's default partitioner.
 *
 * A publish waits a bounded time: when the log does not acknowledge within
 * `ackTimeoutMs` (AURA_PUBLISH_TIMEOUT_MS: a broker outage) it fails with a
 * retriable TRANSPORT_FAILED, which the gateway answers 503 with Retry-After,
 * instead of holding the request for librdkafka's default five minutes. The
 * Retry-After is the engine's retry backoff (failures.ts) for the failures in
 * a row so far: 1 s at first, up to 5 s as the outage lasts. A record that failed so may
 * still have reached the log (its acknowledgement was lost): a retry with the
 * same Idempotency-Key carries the same event id, which the pipeline folds once.
 * A producer that librdkafka declares unusable is replaced.
 */
import { AuraError, ErrorCodes, errorMessage } from '../../common/errors.js';
import { MicroBatcher } from '../../common/micro-batcher.js';
import { tracingOn } from '../../common/tracing/spans.js';
import { backoffMs, classifyFailure } from '../../runtime/failures.js';
import { jsonSerdes, type ValueSerdes } from '../../runtime/serde.js';
import type { TopicSpec } from '../../topology/model.js';
import type { Headers, OutgoingRecord, Producer, RecordMetadata, Transport } from '../../transports/types.js';
import { tracePublish } from './publish-tracing.js';

export interface PublisherOptions {
  /** Records sent in one batch at most. */
  maxBatch?: number;
  /** Longest wait for the log's acknowledgement of a record (default 5 s). */
  ackTimeoutMs?: number;
  /** Encodes values by topic: the registry serdes for `json_sr`/`avro` topics, plain JSON otherwise. */
  serdes?: ValueSerdes;
}

const DEFAULT_ACK_TIMEOUT_MS = 5000;

export class Publisher {
  private producer: Producer;
  private readonly batcher: MicroBatcher<OutgoingRecord, RecordMetadata>;
  private readonly ackTimeoutMs: number;
  private readonly serdes: ValueSerdes;
  private closed = false;
  /** Publishes that failed in a row (a success ends the streak): what Retry-After is made of. */
  private failuresInARow = 0;

  constructor(
    private readonly transport: Transport,
    private readonly clientId: string,
    options: PublisherOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.serdes = options.serdes ?? jsonSerdes;
    this.producer = this.newProducer();
    this.batcher = new MicroBatcher((records) => this.sendBatch(records), options.maxBatch ?? 500);
  }

  /** Produces one value keyed by `key`, encoded with the topic's serde; resolves with its offset once acknowledged. */
  publish(topic: TopicSpec, key: string, value: unknown, headers: Headers, timestamp = Date.now()): Promise<RecordMetadata> {
    if (tracingOn()) return tracePublish(this.transport.kind, topic.name, headers, (traced) => this.produce(topic, key, value, traced, timestamp));
    return this.produce(topic, key, value, headers, timestamp);
  }

  private produce(topic: TopicSpec, key: string, value: unknown, headers: Headers, timestamp: number): Promise<RecordMetadata> {
    return this.send({
      topic: topic.name,
      partition: this.transport.partitionFor(key, topic.partitions),
      key,
      value: this.serdes.encode(topic.name, value),
      timestamp,
      headers,
    });
  }

  /** A tombstone or any raw record (the instance registry). */
  send(record: OutgoingRecord): Promise<RecordMetadata> {
    return this.bounded(this.batcher.call(record));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer.flush().catch(() => undefined);
    await this.producer.close();
  }

  /** Whole seconds a client should wait before retrying a failed publish (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(backoffMs(this.failuresInARow) / 1000));
  }

  private newProducer(): Producer {
    return this.transport.producer({ clientId: this.clientId, deliveryTimeoutMs: this.ackTimeoutMs });
  }

  private async sendBatch(records: OutgoingRecord[]): Promise<RecordMetadata[]> {
    const producer = this.producer;
    try {
      return await producer.send(records);
    } catch (err) {
      if (classifyFailure(err) === 'replace' && producer === this.producer && !this.closed) {
        this.producer = this.newProducer();
        void producer.close().catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * The transport's delivery timeout fails a send after `ackTimeoutMs`; this bound (a little
   * longer) only guards against a transport that does not honour it.
   */
  private bounded(sent: Promise<RecordMetadata>): Promise<RecordMetadata> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${this.ackTimeoutMs / 1000} s`)), this.ackTimeoutMs + 1000);
    });
    return Promise.race([sent, late])
      .then((meta) => {
        this.failuresInARow = 0;
        return meta;
      })
      .catch((err: unknown) => {
        if (err instanceof AuraError && classifyFailure(err) === 'fatal') throw err; // no retry would help
        this.failuresInARow++;
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `the event log did not take the record (${errorMessage(err)}); retry later`, {
          cause: err,
          retriable: true,
          details: { retryAfterSeconds: this.retryAfterSeconds() },
        });
      })
      .finally(() => clearTimeout(timer));
  }
}
