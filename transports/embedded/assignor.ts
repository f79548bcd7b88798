/**
 * Partition assignment for a consumer group, the way Kafka Streams needs it:
 * co-partitioned topics (same partition count, same keys) must land on the
 * same member partition by partition, because a join or an aggregation over
 * several topics reads partition n of all of them in one task. So the unit is
 * the partition number, not the topic-partition: number n of every topic goes
 * to the (n mod k)-th of the k members subscribed to that topic, members in
 * join order. Deterministic, balanced per topic, aligned across topics.
 */
import type { TopicPartition } from '../types.js';

export interface Subscription {
  readonly id: string;
  readonly topics: readonly string[];
}

/** Member id → its partitions. `partitionCount` is undefined for topics that do not exist (nothing to assign). */
export function assignByPartitionNumber(
  members: readonly Subscription[],
  partitionCount: (topic: string) => number | undefined,
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>();
  for (const m of members) result.set(m.id, []);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCount(topic) ?? 0;
    const eligible = members.filter((m) => m.topics.includes(topic));
    for (let partition = 0; partition < count; partition++) {
      result.get(eligible[partition % eligible.length]!.id)!.push({ topic, partition });
    }
  }
  return result;
}
