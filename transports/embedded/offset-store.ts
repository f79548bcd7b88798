/**
 * Committed group offsets ("next offset to read", Kafka's convention). The
 * statements are exposed so a transaction commit can write offsets inside the
 * same SQLite transaction as its other bookkeeping.
 */
import type { TopicPartition, TopicPartitionOffset } from '../types.js';
import type { Db } from './schema.js';

/** What `committed()` reports for a partition the group never committed (Kafka clients use -1 too). */
export const NO_OFFSET = -1;

export class OffsetStore {
  private readonly upsert;
  private readonly select;
  private readonly commitTx;

  constructor(db: Db) {
    this.upsert = db.prepare(
      'INSERT INTO committed_offsets (group_id, topic, part, off) VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, part) DO UPDATE SET off = excluded.off',
    );
    this.select = db.prepare('SELECT off FROM committed_offsets WHERE group_id = ? AND topic = ? AND part = ?').pluck(true);
    this.commitTx = db.transaction((groupId: string, offsets: readonly TopicPartitionOffset[]) => this.writeAll(groupId, offsets));
  }

  /** Commits in a transaction of its own. */
  commit(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    if (offsets.length > 0) this.commitTx(groupId, offsets);
  }

  /** Writes without opening a transaction: the caller is inside one. */
  writeAll(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.upsert.run(groupId, o.topic, o.partition, o.offset);
  }

  get(groupId: string, tp: TopicPartition): number | undefined {
    const off = this.select.get(groupId, tp.topic, tp.partition) as number | undefined;
    return off ?? undefined;
  }

  committed(groupId: string, partitions: readonly TopicPartition[]): TopicPartitionOffset[] {
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.get(groupId, tp) ?? NO_OFFSET }));
  }
}
