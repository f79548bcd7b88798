/**
 * The embedded log's record batch: the records one append wrote to one
 * partition, packed into one BLOB (one SQLite row per batch, as Kafka's
 * segments hold record batches). A row per record cost ~1.7 µs of CPU per
 * append (the row and its (topic, partition, offset) index entry); a batch
 * row costs that once per batch, plus ~0.1 µs per record to pack.
 *
 * Layout, per record, little-endian: offset delta from the batch's first
 * offset (u32), timestamp (f64), then key, value and headers (JSON) each as
 * a length (i32, -1 = null) and its bytes. Offsets inside a batch may have
 * gaps (compaction and retention rewrite batches without renumbering).
 */
import type { Headers, LogRecord } from '../types.js';

/** One record of a batch as packed (headers still JSON text). */
export interface PackedRecord {
  offset: number;
  key: string | null;
  value: Uint8Array | null;
  timestamp: number;
  headers: string | null;
}

/** What the batches table keeps beside the BLOB, to pick batches without unpacking them. */
export interface BatchMeta {
  first: number;
  last: number;
  count: number;
  tsMin: number;
  tsMax: number;
  /** Records with a null value (tombstones). */
  nulls: number;
}

/** An append's records for one partition go in batches of at most this many records and about this many bytes. */
export const BATCH_MAX_RECORDS = 4096;
export const BATCH_MAX_BYTES = 1024 * 1024;

let scratch = Buffer.allocUnsafe(64 * 1024);

function room(pos: number, more: number): void {
  if (pos + more <= scratch.length) return;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, pos + more));
  scratch.copy(grown, 0, 0, pos);
  scratch = grown;
}

/**
 * Packs records (ascending offsets, first at `records[from]`) into a view of a scratch buffer that
 * the next call reuses: bind it to SQLite (which copies it) before packing again.
 */
export function packBatch(records: readonly PackedRecord[], from = 0, to = records.length): { blob: Buffer; meta: BatchMeta } {
  const first = records[from]!.offset;
  const meta: BatchMeta = { first, last: first, count: to - from, tsMin: Infinity, tsMax: -Infinity, nulls: 0 };
  let pos = 0;
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    const key = r.key;
    const value = r.value;
    const headers = r.headers;
    // Bytes a string can take in UTF-8: at most 3 per UTF-16 unit.
    room(pos, 24 + (key === null ? 0 : key.length * 3) + (value === null ? 0 : value.length) + (headers === null ? 0 : headers.length * 3));
    pos = scratch.writeUInt32LE(r.offset - first, pos);
    pos = scratch.writeDoubleLE(r.timestamp, pos);
    pos = writeString(key, pos);
    if (value === null) {
      pos = scratch.writeInt32LE(-1, pos);
      meta.nulls++;
    } else {
      pos = scratch.writeInt32LE(value.length, pos);
      scratch.set(value, pos);
      pos += value.length;
    }
    pos = writeString(headers, pos);
    if (r.timestamp < meta.tsMin) meta.tsMin = r.timestamp;
    if (r.timestamp > meta.tsMax) meta.tsMax = r.timestamp;
    meta.last = r.offset;
  }
  return { blob: scratch.subarray(0, pos), meta };
}

function writeString(s: string | null, pos: number): number {
  if (s === null) return scratch.writeInt32LE(-1, pos);
  const n = scratch.write(s, pos + 4);
  scratch.writeInt32LE(n, pos);
  return pos + 4 + n;
}

/**
 * Calls `each` for the records of a batch whose offset is in [from, bound), in order, until it
 * returns false. Values are views of `blob` (copy them to hand them out). Starts at byte `start`
 * (a position this function returned: every record before it is below `from`); returns the
 * position of the first record not handed to `each`.
 */
export function unpackBatch(
  blob: Buffer,
  first: number,
  from: number,
  bound: number,
  each: (offset: number, key: string | null, value: Buffer | null, timestamp: number, headers: string | null) => boolean,
  start = 0,
): number {
  let pos = start;
  while (pos < blob.length) {
    const offset = first + blob.readUInt32LE(pos);
    if (offset >= bound) return pos;
    const timestamp = blob.readDoubleLE(pos + 4);
    pos += 12;
    const keyLen = blob.readInt32LE(pos);
    pos += 4;
    const keyAt = pos;
    if (keyLen > 0) pos += keyLen;
    const valueLen = blob.readInt32LE(pos);
    pos += 4;
    const valueAt = pos;
    if (valueLen > 0) pos += valueLen;
    const headersLen = blob.readInt32LE(pos);
    pos += 4;
    const headersAt = pos;
    if (headersLen > 0) pos += headersLen;
    if (offset < from) continue;
    const key = keyLen < 0 ? null : blob.toString('utf8', keyAt, keyAt + keyLen);
    const value = valueLen < 0 ? null : blob.subarray(valueAt, valueAt + valueLen);
    const headers = headersLen < 0 ? null : blob.toString('utf8', headersAt, headersAt + headersLen);
    if (!each(offset, key, value, timestamp, headers)) return pos;
  }
  return pos;
}

/** Every record of a batch, values copied out of the blob (for rewriting batches). */
export function unpackAll(blob: Buffer, first: number): PackedRecord[] {
  const out: PackedRecord[] = [];
  unpackBatch(blob, first, first, Number.POSITIVE_INFINITY, (offset, key, value, timestamp, headers) => {
    out.push({ offset, key, value: value === null ? null : Buffer.from(value), timestamp, headers });
    return true;
  });
  return out;
}

/** The record a consumer gets: its own copy of the value (the BLOB is kept for the next reads), headers parsed. */
export function toLogRecord(
  topic: string,
  partition: number,
  offset: number,
  key: string | null,
  value: Buffer | null,
  timestamp: number,
  headers: string | null,
): LogRecord {
  return {
    topic,
    partition,
    offset,
    key,
    value: value === null ? null : Buffer.from(value),
    timestamp,
    headers: headers === null ? {} : (JSON.parse(headers) as Headers),
  };
}
