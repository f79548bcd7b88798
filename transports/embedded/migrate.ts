/**
 * Converts a log file of schema version 1 (a row per record in `records`,
 * with a unique index on (topic, partition, offset)) to batches (version 2,
 * batch-codec.ts): the records of each partition, in offset order, packed
 * into batches of consecutive records of one transaction, then the old table
 * dropped. Runs inside the transaction that opens the file (schema.ts), so a
 * crash in the middle leaves the file as it was.
 */

import { BATCH_MAX_BYTES, BATCH_MAX_RECORDS, type PackedRecord, packBatch } from './batch-codec.js';
import type { Db } from './schema.js';

export const LEGACY_VERSION = 1;

type LegacyRow = [topicId: number, part: number, offset: number, key: string | null, value: Buffer | null, ts: number, headers: string | null, txn: number];

/** Offset deltas inside a batch are u32. */
const MAX_SPAN = 2 ** 32;

export function migrateRecordsToBatches(db: Db): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'").get();
  if (exists === undefined) return;
  const insert = db.prepare(
    'INSERT INTO batches (topic_id, part, first_off, last_off, n, nulls, ts_min, ts_max, txn, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // Pages in index order (a statement being iterated would keep the connection from inserting).
  const page = db
    .prepare(
      'SELECT topic_id, part, off, rkey, value, ts, headers, txn FROM records WHERE (topic_id, part, off) > (?, ?, ?) ORDER BY topic_id, part, off LIMIT 4096',
    )
    .raw(true);
  let pending: PackedRecord[] = [];
  let bytes = 0;
  let at: { topicId: number; part: number; txn: number } | null = null;
  const flush = () => {
    if (at === null || pending.length === 0) return;
    const { blob, meta } = packBatch(pending);
    insert.run(at.topicId, at.part, meta.first, meta.last, meta.count, meta.nulls, meta.tsMin, meta.tsMax, at.txn, blob);
    pending = [];
    bytes = 0;
  };
  let after: [number, number, number] = [-1, -1, -1];
  for (let rows = page.all(...after) as LegacyRow[]; rows.length > 0; rows = page.all(...after) as LegacyRow[]) {
    for (const row of rows) add(row);
    const last = rows[rows.length - 1]!;
    after = [last[0], last[1], last[2]];
  }
  flush();
  db.exec('DROP INDEX IF EXISTS records_tpo; DROP TABLE records;');

  function add([topicId, part, offset, key, value, ts, headers, txn]: LegacyRow): void {
    const size = (value?.length ?? 0) + (key?.length ?? 0) * 3 + 24;
    if (
      at === null ||
      at.topicId !== topicId ||
      at.part !== part ||
      at.txn !== txn ||
      pending.length >= BATCH_MAX_RECORDS ||
      bytes + size > BATCH_MAX_BYTES ||
      offset - pending[0]!.offset >= MAX_SPAN
    ) {
      flush();
      at = { topicId, part, txn };
    }
    pending.push({ offset, key, value, timestamp: ts, headers });
    bytes += size;
  }
}
