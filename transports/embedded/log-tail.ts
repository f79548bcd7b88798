/**
 * The in-memory tail of the embedded log: the records this process appended
 * last, per partition, kept as the very record objects consumers get, so a
 * consumer that keeps up (the common case: one `aura run` reading what it
 * wrote) reads without a SELECT, a row array, a copied Buffer and a headers
 * object per record. Kafka's consumers are served from the broker's page
 * cache the same way.
 *
 * Invariant, per partition: the tail holds the offsets [start, log end)
 * exactly as SQLite holds them — every record appended there by this process
 * once its SQLite transaction committed, none of an aborted transaction, none
 * that retention or compaction deleted. Offsets below `start` are read from
 * SQLite. SQLite stays the record of truth: every append is written there
 * first (same durability as without a tail), the tail only spares the read.
 * read_committed is unaffected: consumers never read past the last stable
 * offset, whichever side serves them.
 *
 * Bounded in bytes over all partitions: the oldest appends go first (the
 * tail's start moves up, those offsets are read from SQLite again).
 */
import type { LogRecord } from '../types.js';
import type { PartitionLog } from './topic-catalog.js';

/** Default bound of the tail, all partitions together (`tailBytes` of the embedded transport). */
export const DEFAULT_TAIL_BYTES = 64 * 1024 * 1024;

/** What a record costs besides its key and value: the record, its Buffer and headers objects, the slots. */
const RECORD_OVERHEAD = 160;

interface PartTail {
  /** Offset of recs[0]. */
  base: number;
  /** Index of the first record held: the tail holds offsets [base + head, base + recs.length). */
  head: number;
  /** A hole (undefined) where the log has no record: an aborted transaction's. */
  recs: Array<LogRecord | undefined>;
  /** The id of the transaction that wrote each record, 0 for none. */
  txns: number[];
  dropped: boolean;
}

/** One append to one partition, in the eviction queue: evicting it moves that partition's start to `end`. */
interface Chunk {
  readonly tail: PartTail;
  readonly end: number;
  readonly bytes: number;
}

export function recordBytes(r: LogRecord): number {
  return RECORD_OVERHEAD + (r.value === null ? 0 : r.value.length) + (r.key === null ? 0 : 2 * r.key.length);
}

export class LogTail {
  private readonly parts = new Map<PartitionLog, PartTail>();
  private readonly queue: Chunk[] = [];
  private queueHead = 0;
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes accounted to the records held (an upper bound: aborted and truncated records count until evicted). */
  get bytes(): number {
    return this.held;
  }

  /** The first offset held in memory; from there to the log end, reads need no SQLite. */
  start(p: PartitionLog): number {
    const t = this.parts.get(p);
    return t === undefined ? p.next : t.base + t.head;
  }

  /**
   * Records just committed to SQLite at offsets [first, first + records.length) of `p`, where
   * `first` is the log end before the append (appends are contiguous). `bytes` is their size.
   */
  add(p: PartitionLog, first: number, records: readonly LogRecord[], txnId: number, bytes: number): void {
    if (this.maxBytes <= 0 || records.length === 0) return;
    let t = this.parts.get(p);
    // A tail that does not end where this append starts would break the invariant: start afresh.
    if (t === undefined || t.base + t.recs.length !== first) {
      if (t !== undefined) this.drop(p);
      t = { base: first, head: 0, recs: [], txns: [], dropped: false };
      this.parts.set(p, t);
    }
    for (let i = 0; i < records.length; i++) {
      t.recs.push(records[i]);
      t.txns.push(txnId);
    }
    this.queue.push({ tail: t, end: first + records.length, bytes });
    this.held += bytes;
    while (this.held > this.maxBytes && this.queueHead < this.queue.length) this.evictOldest();
  }

  /** Up to `limit` records of [from, bound) into `out`; `from` is at or above `start(p)`. Returns how many. */
  read(p: PartitionLog, from: number, bound: number, limit: number, out: LogRecord[]): number {
    const t = this.parts.get(p);
    if (t === undefined) return 0;
    const recs = t.recs;
    const end = Math.min(bound - t.base, recs.length);
    let got = 0;
    for (let i = Math.max(from - t.base, t.head); i < end && got < limit; i++) {
      const r = recs[i];
      if (r !== undefined) {
        out.push(r);
        got++;
      }
    }
    return got;
  }

  /** A transaction aborted: its records at or after `first` in `p` are gone from the log. */
  abort(p: PartitionLog, first: number, txnId: number): void {
    const t = this.parts.get(p);
    if (t === undefined) return;
    for (let i = Math.max(first - t.base, t.head); i < t.recs.length; i++) if (t.txns[i] === txnId) t.recs[i] = undefined;
  }

  /** SQLite lost records of `p` below `offset` (retention, compaction): read them from there again. */
  truncate(p: PartitionLog, offset: number): void {
    const t = this.parts.get(p);
    if (t !== undefined) this.advance(t, offset);
  }

  /** The partition is gone (topic deleted). */
  drop(p: PartitionLog): void {
    const t = this.parts.get(p);
    if (t === undefined) return;
    this.parts.delete(p);
    t.dropped = true;
    this.advance(t, t.base + t.recs.length);
  }

  private evictOldest(): void {
    const chunk = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as Chunk;
    this.held -= chunk.bytes;
    if (!chunk.tail.dropped) this.advance(chunk.tail, chunk.end);
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Forgets the records below `offset`. */
  private advance(t: PartTail, offset: number): void {
    const head = Math.min(offset - t.base, t.recs.length);
    if (head <= t.head) return;
    for (let i = t.head; i < head; i++) t.recs[i] = undefined;
    t.head = head;
    // Re-base once the dead prefix is most of the arrays (amortised O(1) per record).
    if (t.head >= 1024 && t.head * 2 >= t.recs.length) {
      t.recs = t.recs.slice(t.head);
      t.txns = t.txns.slice(t.head);
      t.base += t.head;
      t.head = 0;
    }
  }
}
