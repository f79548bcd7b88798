/**
 * The group consumer's read-ahead (consumer.ts, ConsumerOptions.readAhead): a
 * consume call started when a poll hands a batch out, so that a libuv worker
 * thread takes the next batch off librdkafka's queue (~8 µs a message of wall
 * time) while the engine processes this one (docs/benchmarks.md, "Kafka
 * consumer read-ahead"). What it took may be stale by the time the next poll
 * hands it out: a partition sought, or moved by a rebalance, meanwhile. Those
 * messages are dropped and the partition sought again.
 */
import type { Message } from '@confluentinc/kafka-javascript';
import type { TopicPartition, TopicPartitionOffset } from '../types.js';

/**
 * AURA_KAFKA_READ_AHEAD=1 turns the read-ahead on. Off by default: with it the broker-outage test
 * failed 4 of 6 first attempts (restores waiting for hanging transactions, a commit failing with
 * "Unknown member" while the other instance got no tasks) against the ~1 in 4 it is known for —
 * not understood yet (docs/benchmarks.md, "Kafka consumer read-ahead").
 */
export function readAheadEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.AURA_KAFKA_READ_AHEAD === '1';
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;

export class ReadAhead {
  /** Partitions sought (with the position asked for) or moved by a rebalance before its messages were handed out. */
  private readonly touched = new Map<string, TopicPartitionOffset | undefined>();

  constructor(
    /** Never rejects: a failed read-ahead is an empty one (the next poll's own consume call reports the error). */
    readonly messages: Promise<Message[]>,
    /** The consumer's rebalance count when it started. */
    readonly seq: number,
  ) {}

  /** `tp` was moved by a rebalance, or sought (`sought`: the position the caller asked for). */
  touch(tp: TopicPartition, sought?: TopicPartitionOffset): void {
    const k = partitionKey(tp);
    if (sought || !this.touched.has(k)) this.touched.set(k, sought);
  }

  /**
   * Its messages without those of touched partitions — they may be from before the seek (or the
   * old assignment) — and the seeks that put such a partition, if still `owned`, back where it
   * belongs: librdkafka's position went past the dropped messages. To the offset asked for, else
   * to the first dropped message (everything before it was handed out).
   */
  settle(messages: Message[], owned: ReadonlySet<string>): { kept: Message[]; seeks: TopicPartitionOffset[] } {
    if (this.touched.size === 0) return { kept: messages, seeks: [] };
    const first = new Map<string, Message>();
    const kept = messages.filter((m) => {
      const k = partitionKey(m);
      if (!this.touched.has(k)) return true;
      if (!first.has(k)) first.set(k, m);
      return false;
    });
    const seeks: TopicPartitionOffset[] = [];
    for (const [k, dropped] of first) {
      if (!owned.has(k)) continue;
      seeks.push(this.touched.get(k) ?? { topic: dropped.topic, partition: dropped.partition, offset: dropped.offset });
    }
    return { kept, seeks };
  }
}
