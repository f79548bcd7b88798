/**
 * Co-partitioned topics under the cooperative-sticky assignor. A task reads
 * partition n of every topic of its sub-topology (a join, a table), so one
 * member must own partition n of all of them. The range assignor does that
 * (eager protocol: every rebalance stops every task); cooperative-sticky does
 * not (it balances topic-partitions one by one). So the consumer subscribes
 * only to one *leader* topic per co-partitioned set and assigns the others'
 * partition n itself wherever the group assigned the leader's partition n —
 * what Kafka Streams' own assignor achieves by assigning tasks, not
 * partitions. Sets that share a topic are one set (union).
 */
import type { TopicPartition } from '../types.js';

export class CopartitionPlan {
  /** Follower topic → its leader. */
  private readonly leaderOf = new Map<string, string>();
  /** Leader topic → its followers. */
  private readonly followersOf = new Map<string, string[]>();
  /** The topics to subscribe to: every topic that is nobody's follower. */
  readonly subscribed: string[];

  constructor(topics: readonly string[], copartitioned: readonly (readonly string[])[] = []) {
    const wanted = new Set(topics);
    const parent = new Map<string, string>();
    const find = (t: string): string => {
      let r = t;
      while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
      return r;
    };
    for (const group of copartitioned) {
      const members = group.filter((t) => wanted.has(t));
      for (const t of members) if (!parent.has(t)) parent.set(t, t);
      for (const t of members.slice(1)) {
        const [a, b] = [find(members[0]!), find(t)];
        // The smaller name leads: the same leader whatever order the sets come in.
        if (a !== b) a < b ? parent.set(b, a) : parent.set(a, b);
      }
    }
    for (const t of parent.keys()) {
      const leader = find(t);
      if (leader === t) continue;
      this.leaderOf.set(t, leader);
      this.followersOf.set(leader, [...(this.followersOf.get(leader) ?? []), t].sort());
    }
    this.subscribed = [...wanted].filter((t) => !this.leaderOf.has(t));
  }

  /** The group's partitions with their followers' partitions of the same number. */
  expand(partitions: readonly TopicPartition[]): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const tp of partitions) {
      out.push({ topic: tp.topic, partition: tp.partition });
      for (const f of this.followersOf.get(tp.topic) ?? []) out.push({ topic: f, partition: tp.partition });
    }
    return out;
  }

  get hasFollowers(): boolean {
    return this.leaderOf.size > 0;
  }
}
