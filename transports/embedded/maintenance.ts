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
 * and beginningOffsets moves forward. Records are in batches (batch-codec.ts):
 * a batch losing some of its records is rewritten without them, one losing
 * all is deleted.
 */
import { type PackedRecord, packBatch, unpackAll, unpackBatch } from './batch-codec.js';
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
  private readonly countWhole;
  private readonly deleteWhole;
  private readonly straddling;
  private readonly page;
  private readonly withTombstones;
  private readonly deleteRow;
  private readonly insert;
  /** Per partition, the bound of the last compaction: skip partitions with nothing new to clean. */
  private readonly cleanedTo = new WeakMap<PartitionLog, number>();

  constructor(
    private readonly db: Db,
    private readonly catalog: TopicCatalog,
    /** Told of each partition that lost records below `bound` (the log's in-memory tail forgets them). */
    private readonly onCleaned: (p: PartitionLog, bound: number) => void = () => undefined,
  ) {
    const sel = 'SELECT rowid, first_off, last_off, txn, data FROM batches WHERE topic_id = ? AND part = ?';
    // The first batch with a record at or after a time holds the first such record.
    this.firstYoung = db.prepare(`${sel} AND first_off < ? AND ts_max >= ? ORDER BY last_off LIMIT 1`).raw(true);
    this.countWhole = db.prepare('SELECT COALESCE(SUM(n), 0) FROM batches WHERE topic_id = ? AND part = ? AND last_off < ?').pluck(true);
    this.deleteWhole = db.prepare('DELETE FROM batches WHERE topic_id = ? AND part = ? AND last_off < ?');
    this.straddling = db.prepare(`${sel} AND first_off < ? AND last_off >= ?`).raw(true);
    this.page = db.prepare(`${sel} AND first_off < ? AND last_off > ? ORDER BY last_off LIMIT 64`).raw(true);
    this.withTombstones = db.prepare(`${sel} AND first_off < ? AND nulls > 0 AND ts_min < ? ORDER BY last_off`).raw(true);
    this.deleteRow = db.prepare('DELETE FROM batches WHERE rowid = ?');
    this.insert = db.prepare(
      'INSERT INTO batches (topic_id, part, first_off, last_off, n, nulls, ts_min, ts_max, txn, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
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
    const cutoff = now - retention;
    let young = bound;
    const row = this.firstYoung.get(p.topicId, p.partition, bound, cutoff) as BatchRow | undefined;
    if (row !== undefined) {
      unpackBatch(row[4], row[1], row[1], bound, (offset, _k, _v, ts) => {
        if (ts >= cutoff) young = offset;
        return young === bound;
      });
    }
    return this.removeBelow(p, young);
  }

  /** Removes every record of `p` below `offset`: whole batches deleted, the one across it rewritten. */
  private removeBelow(p: PartitionLog, offset: number): number {
    let removed = this.countWhole.get(p.topicId, p.partition, offset) as number;
    this.deleteWhole.run(p.topicId, p.partition, offset);
    const row = this.straddling.get(p.topicId, p.partition, offset, offset) as BatchRow | undefined;
    if (row !== undefined) removed += this.rewrite(p, row, (r) => r.offset >= offset);
    return removed;
  }

  /** Rewrites a batch with the records `keep` accepts; returns how many it dropped. */
  private rewrite(p: PartitionLog, row: BatchRow, keep: (r: PackedRecord) => boolean): number {
    const records = unpackAll(row[4], row[1]);
    const kept = records.filter(keep);
    if (kept.length === records.length) return 0;
    this.deleteRow.run(row[0]);
    if (kept.length > 0) {
      const { blob, meta } = packBatch(kept);
      this.insert.run(p.topicId, p.partition, meta.first, meta.last, meta.count, meta.nulls, meta.tsMin, meta.tsMax, row[3], blob);
    }
    return records.length - kept.length;
  }

  private compact(topic: TopicLog, p: PartitionLog, now: number): number {
    const bound = lastStableOffset(p);
    let removed = 0;
    if (this.cleanedTo.get(p) !== bound) {
      removed += this.removeSuperseded(p, bound);
      this.cleanedTo.set(p, bound);
    }
    const cutoff = now - numberConfig(topic, 'delete.retention.ms', DEFAULT_DELETE_RETENTION_MS);
    for (const row of this.withTombstones.all(p.topicId, p.partition, bound, cutoff) as BatchRow[]) {
      removed += this.rewrite(p, row, (r) => r.offset >= bound || r.value !== null || r.timestamp >= cutoff);
    }
    return removed;
  }

  /** Below `bound`, keeps only the latest record of each key (keyed: the log refuses null keys on compacted topics). */
  private removeSuperseded(p: PartitionLog, bound: number): number {
    const latest = new Map<string | null, number>();
    this.eachPage(p, bound, (row) =>
      unpackBatch(row[4], row[1], row[1], bound, (offset, key) => {
        latest.set(key, offset);
        return true;
      }),
    );
    let removed = 0;
    this.eachPage(p, bound, (row) => {
      removed += this.rewrite(p, row, (r) => r.offset >= bound || latest.get(r.key) === r.offset);
    });
    return removed;
  }

  /** The batches of `p` with records below `bound`, in offset order, a page at a time (`each` may rewrite the batch it gets). */
  private eachPage(p: PartitionLog, bound: number, each: (row: BatchRow) => void): void {
    let after = -1;
    for (;;) {
      const rows = this.page.all(p.topicId, p.partition, bound, after) as BatchRow[];
      if (rows.length === 0) return;
      for (const row of rows) each(row);
      after = rows[rows.length - 1]![2];
    }
  }
}

type BatchRow = [rowid: number, first: number, last: number, txn: number, data: Buffer];

function numberConfig(topic: TopicLog, name: string, fallback: number): number {
  const raw = topic.config[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}
