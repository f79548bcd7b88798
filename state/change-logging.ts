/**
 * Change-logging: the changelog of a store is its write-merged flush, one
 * record per changed key (the last write between two commits), so the
 * changelog carries what SQLite will hold after completeCommit — no more.
 *
 * Record format (compacted topic, one partition per task partition):
 * - key:   the encoded store key (key-codec.ts): the key itself for key-value
 *          stores (escaped, and element rows of the list-rows layout, see
 *          list-rows.ts), `[key,windowStart]` / `[key,start,end]` JSON for
 *          window / session stores.
 * - value: the JSON text of the value as UTF-8 bytes (the bytes the value's own writer put in the
 *          commit's arena, or the JSON string encoded here); null is a tombstone
 *          (a delete, or a TTL/retention purge).
 * - timestamp: the time of the last write (the row's ts, which TTL reads back).
 *
 * Restore is the inverse: decode the key, upsert the JSON (or delete on a
 * tombstone). Replaying a record twice is harmless: records are absolute
 * values, not deltas — which is why a database that is behind its changelog
 * (crash between the log commit and the SQLite commit) just replays from its
 * checkpoint.
 */

import { decodeKey } from './key-codec.js';
import type { RowTable } from './sqlite-tables.js';
import type { FlushItem } from './store-cache.js';
import type { ChangelogRecord, RestoreRecord, StoreKindName } from './types.js';

export function toChangelogRecords(items: FlushItem[], topic: string, partition: number, out: ChangelogRecord[]): void {
  for (const it of items) {
    const json = it.json;
    out.push({ topic, partition, key: it.id, value: json === null ? null : typeof json === 'string' ? Buffer.from(json, 'utf8') : json, timestamp: it.ts });
    // List-rows stores (list-rows.ts): the element rows written with this head, under their own keys.
    if (it.rows !== undefined) {
      for (const r of it.rows) out.push({ topic, partition, key: r.key, value: r.json === null ? null : Buffer.from(r.json, 'utf8'), timestamp: it.ts });
    }
  }
}

/**
 * Applies changelog (or table source) records to a table. Call inside a SQLite
 * transaction together with the checkpoint update. Returns the highest offset
 * applied (-1 for an empty batch).
 */
export function applyRestoreRecords(table: RowTable, kind: StoreKindName, records: RestoreRecord[], now: number): number {
  let maxOffset = -1;
  // Upserts go in multi-row statements; a tombstone first writes what is queued (records of one
  // key must apply in log order).
  for (const r of records) {
    const k = kind === 'key_value' ? null : decodeKey(kind, r.key);
    const key = k === null ? r.key : k.key;
    const t1 = k === null ? 0 : k.t1;
    const t2 = k === null ? 0 : k.t2;
    if (r.value === null) {
      table.flushMany();
      table.remove(key, t1, t2);
    } else table.upsertMany(key, t1, t2, r.value.toString('utf8'), r.timestamp ?? now);
    if (r.offset > maxOffset) maxOffset = r.offset;
  }
  table.flushMany();
  return maxOffset;
}
