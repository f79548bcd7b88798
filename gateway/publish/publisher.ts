/**
 * The gateway's producer. Requests that arrive in the same tick share one
 * `send` (one broker round trip, one SQLite transaction on the embedded log);
 * each request still awaits the acknowledgement of its own record before
 * answering. Records carry an explicit partition: murmur2 of the key, the same
 * as the engine and Kafka's default partitioner.
 */
import { MicroBatcher } from '../../common/micro-batcher.js';
import { jsonSerdes, type ValueSerdes } from '../../runtime/serde.js';
import type { TopicSpec } from '../../topology/model.js';
import type { Headers, OutgoingRecord, Producer, RecordMetadata, Transport } from '../../transports/types.js';

export class Publisher {
  private readonly producer: Producer;
  private readonly batcher: MicroBatcher<OutgoingRecord, RecordMetadata>;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    clientId: string,
    maxBatch = 500,
    /** Encodes values by topic: the registry serdes for `json_sr`/`avro` topics, plain JSON otherwise. */
    private readonly serdes: ValueSerdes = jsonSerdes,
  ) {
    this.producer = transport.producer({ clientId });
    this.batcher = new MicroBatcher((records) => this.producer.send(records), maxBatch);
  }

  /** Produces one value keyed by `key`, encoded with the topic's serde; resolves with its offset once acknowledged. */
  publish(topic: TopicSpec, key: string, value: unknown, headers: Headers, timestamp = Date.now()): Promise<RecordMetadata> {
    return this.batcher.call({
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
    return this.batcher.call(record);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer.flush().catch(() => undefined);
    await this.producer.close();
  }
}
