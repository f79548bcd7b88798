/**
 * Retention and compaction, Kafka's two cleanup policies, run by `maintain(now)`.
 *
 * - delete: records older than `retention.ms` go, from the start of the log
 *   only (Kafka drops whole old segments from the head; it never punches holes
 *   in the middle), so the scan stops at the first record still young.
 * - compact: only the latest record of each key stays; a tombstone (null value)
 *   that is the latest for its key goes once older than `delete.retention.ms`.
 *
 * Nothing at or past a partition's last stable offset is touched (open
 * transactions), and offsets are never renumbered: consumers step over gaps
 * and beginningOffsets moves forward.
 */
import type { Db } from './schema.js';
import { lastStableOffset, type PartitionLog, type TopicCatalog, type TopicLog } from './topic-catalog.js';

/** Kafka's defaults: 7 days of retention, tombstones kept 1 day. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
export const DEFAULT_DELETE_RETENTION_MS = 24 * 3600_000;

export interface MaintenanceResult {
  /** Records removed by retention. */
  expired: number;
  /** Records removed by compaction (superseded values and expired tombstones). */
  compacted: number;
}

export class Maintenance {
  private readonly firstYoung;
  private readonly deleteBelow;
  private readonly deleteSuperseded;
  private readonly deleteTombstones;
  /** Per partition, the bound of the last compaction: skip partitions with nothing new to clean. */
  private readonly cleanedTo = new WeakMap<PartitionLog, number>();

  constructor(
    private readonly db: Db,
    private readonly catalog: TopicCatalog,
    /** Told of each partition that lost records below `bound` (the log's in-memory tail forgets them). */
    private readonly onCleaned: (p: PartitionLog, bound: number) => void = () => undefined,
  ) {
    this.firstYoung = db.prepare('SELECT off FROM records WHERE topic_id = ? AND part = ? AND off < ? AND ts >= ? ORDER BY off LIMIT 1').pluck(true);
    this.deleteBelow = db.prepare('DELETE FROM records WHERE topic_id = ? AND part = ? AND off < ?');
    this.deleteSuperseded = db.prepare(`
      DELETE FROM records WHERE topic_id = :t AND part = :p AND off < :bound AND off NOT IN (
        SELECT MAX(off) FROM records WHERE topic_id = :t AND part = :p AND off < :bound GROUP BY rkey
      )`);
    this.deleteTombstones = db.prepare('DELETE FROM records WHERE topic_id = ? AND part = ? AND off < ? AND value IS NULL AND ts < ?');
  }

  run(now: number = Date.now()): MaintenanceResult {
    const result: MaintenanceResult = { expired: 0, compacted: 0 };
    for (const topic of this.catalog.list()) {
      const policies = (topic.config['cleanup.policy'] ?? 'delete').split(',').map((s) => s.trim());
      for (const p of topic.parts) {
        // One SQLite transaction per partition: short write locks, nothing half-cleaned.
        const bound = lastStableOffset(p);
        const removed = this.db.transaction(() => {
          const expired = policies.includes('delete') ? this.expire(topic, p, now) : 0;
          const compacted = policies.includes('compact') ? this.compact(topic, p, now) : 0;
          result.expired += expired;
          result.compacted += compacted;
          return expired + compacted;
        })();
        // Everything removed lies below the last stable offset.
        if (removed > 0) this.onCleaned(p, bound);
      }
    }
    return result;
  }

  private expire(topic: TopicLog, p: PartitionLog, now: number): number {
    const retention = numberConfig(topic, 'retention.ms', DEFAULT_RETENTION_MS);
    if (retention < 0) return 0; // -1: keep forever
    const bound = lastStableOffset(p);
    const young = this.firstYoung.get(p.topicId, p.partition, bound, now - retention) as number | undefined;
    return this.deleteBelow.run(p.topicId, p.partition, young ?? bound).changes;
  }

  private compact(topic: TopicLog, p: PartitionLog, now: number): number {
    const bound = lastStableOffset(p);
    let removed = 0;
    if (this.cleanedTo.get(p) !== bound) {
      // Records are keyed on compacted topics (the log refuses null keys there).
      removed += this.deleteSuperseded.run({ t: p.topicId, p: p.partition, bound }).changes;
      this.cleanedTo.set(p, bound);
    }
    const tombstoneRetention = numberConfig(topic, 'delete.retention.ms', DEFAULT_DELETE_RETENTION_MS);
    removed += this.deleteTombstones.run(p.topicId, p.partition, bound, now - tombstoneRetention).changes;
    return removed;
  }
}

function numberConfig(topic: TopicLog, name: string, fallback: number): number {
  const raw = topic.config[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}
