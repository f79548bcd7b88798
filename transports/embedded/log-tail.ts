/**
 * The in-memory tail of the embedded log: the records this process appended
 * last, per partition, so a consumer that keeps up (the common case: one
 * `aura run` reading what it wrote) reads without a SELECT and without the
 * native copy of every value SQLite hands back. Kafka's consumers are served
 * from the broker's page cache the same way.
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
 * Records live off the JavaScript heap, in segments: values are copied into
 * a slab (a large Buffer), offsets into it and timestamps in typed arrays.
 * Holding every record as objects instead made each one survive into V8's
 * old generation (copied twice by the scavenger, then marked) and cost more
 * than the SQLite read it saved. A read builds a short-lived record with a
 * copy of the value, as the SQLite path does, so no reader holds a view of a
 * slab and evicted slabs are reused: the tail's memory stays put instead of
 * churning external memory (which makes V8 run full collections).
 *
 * Bounded in bytes over all partitions: the oldest segments go first (the
 * partition's start moves up, those offsets are read from SQLite again).
 */
import type { Headers, LogRecord } from '../types.js';
import type { PartitionLog } from './topic-catalog.js';

/** Default bound of the tail, all partitions together (`tailBytes` of the embedded transport). */
export const DEFAULT_TAIL_BYTES = 64 * 1024 * 1024;

/** A full segment of a large tail: a 256 KiB slab and 2,048 records (a partition grows to it from 1/16); a small tail (tests) gets a quarter of its bound. */
const SLAB_BYTES = 256 * 1024;
const SEGMENT_RECORDS = 2048;
const MAX_SPARE_SLABS = 4;
/** A partition's first segment is 1/16 of the full size, then 1/8, … (see PartTail.shift). */
const GROWTH_STEPS = 4;
/** Slots per byte of a small segment, sized for records of ~100 bytes. */
const SMALL_RECORD_BYTES = 128;
/** Bytes of a segment per record slot: value position and length (2 × 4), timestamp (8), transaction (8), alive (1), key (8). */
const SLOT_BYTES = 41;

class Segment {
  /** Records held: offsets [first, first + n). */
  n = 0;
  used = 0;
  dead = false;
  readonly pos: Int32Array;
  readonly ts: Float64Array;
  readonly txn: Float64Array;
  readonly alive: Uint8Array;
  readonly keys: Array<string | null>;
  headers: Map<number, string> | undefined;

  constructor(
    readonly tail: PartTail,
    readonly first: number,
    readonly slab: Buffer,
    readonly capacity: number,
  ) {
    this.pos = new Int32Array(capacity * 2);
    this.ts = new Float64Array(capacity);
    this.txn = new Float64Array(capacity);
    this.alive = new Uint8Array(capacity);
    this.keys = new Array(capacity);
  }

  get bytes(): number {
    return this.slab.length + this.capacity * SLOT_BYTES;
  }
}

interface PartTail {
  /** First offset held; [start, end) is served from memory. */
  start: number;
  /** The offset the next record appended gets (the partition's log end). */
  end: number;
  segs: Segment[];
  /** Segments start small and double up to the full size: a quiet partition holds little memory. */
  shift: number;
}

export class LogTail {
  private readonly parts = new Map<PartitionLog, PartTail>();
  /** Segments in the order they were created: the front is evicted first. */
  private readonly queue: Segment[] = [];
  private queueHead = 0;
  private held = 0;

  private readonly slabBytes: number;
  private readonly segmentRecords: number;
  /** Slabs of evicted segments, for the next ones (a few at most: eviction usually makes room for one). */
  private readonly spare: Buffer[] = [];

  constructor(readonly maxBytes: number) {
    const target = Math.min(SLAB_BYTES + SEGMENT_RECORDS * SLOT_BYTES, Math.floor(maxBytes / 4));
    this.segmentRecords = Math.max(1, Math.min(SEGMENT_RECORDS, Math.floor(target / (SLOT_BYTES + SMALL_RECORD_BYTES))));
    this.slabBytes = Math.max(0, target - this.segmentRecords * SLOT_BYTES);
  }

  /** Bytes of the segments held. */
  get bytes(): number {
    return this.held;
  }

  /** The first offset held in memory; from there to the log end, reads need no SQLite. */
  start(p: PartitionLog): number {
    const t = this.parts.get(p);
    return t === undefined ? p.next : t.start;
  }

  /**
   * One record just committed to SQLite at `offset` of `p`. Appends arrive in offset order;
   * `headers` is the JSON the log stored (null for none).
   */
  push(p: PartitionLog, offset: number, key: string | null, value: Uint8Array | null, timestamp: number, headers: string | null, txnId: number): void {
    if (this.maxBytes <= 0) return;
    let t = this.parts.get(p);
    if (t === undefined || t.end !== offset) {
      // A tail that does not end where this record goes would break the invariant: start afresh.
      if (t !== undefined) this.drop(p);
      t = { start: offset, end: offset, segs: [], shift: GROWTH_STEPS };
      this.parts.set(p, t);
    }
    const size = value === null ? 0 : value.length;
    let seg: Segment | undefined = t.segs[t.segs.length - 1];
    if (seg === undefined || seg.n === seg.capacity || seg.used + size > seg.slab.length) {
      seg = this.newSegment(t, offset, size);
      if (seg === undefined) {
        // Larger than the whole tail: not kept, the partition's tail restarts after it.
        this.drop(p);
        this.parts.set(p, { start: offset + 1, end: offset + 1, segs: [], shift: GROWTH_STEPS });
        return;
      }
    }
    const i = seg.n++;
    seg.keys[i] = key;
    if (value === null) seg.pos[2 * i + 1] = -1;
    else {
      seg.slab.set(value, seg.used);
      seg.pos[2 * i] = seg.used;
      seg.pos[2 * i + 1] = size;
      seg.used += size;
    }
    seg.ts[i] = timestamp;
    seg.txn[i] = txnId;
    seg.alive[i] = 1;
    if (headers !== null) (seg.headers ??= new Map()).set(i, headers);
    t.end = offset + 1;
  }

  /** Up to `limit` records of [from, bound) of `p` into `out`; `from` is at or above `start(p)`. Returns how many. */
  read(p: PartitionLog, from: number, bound: number, limit: number, out: LogRecord[]): number {
    const t = this.parts.get(p);
    if (t === undefined) return 0;
    let offset = Math.max(from, t.start);
    let got = 0;
    for (let s = this.segmentAt(t, offset); s < t.segs.length && offset < bound && got < limit; s++) {
      const seg = t.segs[s]!;
      const end = Math.min(seg.first + seg.n, bound);
      for (let i = offset - seg.first; offset < end && got < limit; i++, offset++) {
        if (seg.alive[i] === 0) continue;
        const len = seg.pos[2 * i + 1]!;
        const start = seg.pos[2 * i]!;
        const h = seg.headers?.get(i);
        out.push({
          topic: p.topic,
          partition: p.partition,
          offset,
          key: seg.keys[i]!,
          value: len < 0 ? null : copyOut(seg.slab, start, len),
          timestamp: seg.ts[i]!,
          headers: h === undefined ? {} : (JSON.parse(h) as Headers),
        });
        got++;
      }
    }
    return got;
  }

  /** A transaction aborted: its records at or after `first` in `p` are gone from the log. */
  abort(p: PartitionLog, first: number, txnId: number): void {
    const t = this.parts.get(p);
    if (t === undefined) return;
    for (const seg of t.segs) {
      for (let i = Math.max(0, first - seg.first); i < seg.n; i++) if (seg.txn[i] === txnId) seg.alive[i] = 0;
    }
  }

  /** SQLite lost records of `p` below `offset` (retention, compaction): read them from there again. */
  truncate(p: PartitionLog, offset: number): void {
    const t = this.parts.get(p);
    if (t === undefined || offset <= t.start) return;
    t.start = Math.min(offset, t.end);
    while (t.segs.length > 0 && t.segs[0]!.first + t.segs[0]!.n <= t.start) this.release(t.segs.shift()!);
  }

  /** The partition is gone (topic deleted), or its tail restarts. */
  drop(p: PartitionLog): void {
    const t = this.parts.get(p);
    if (t === undefined) return;
    this.parts.delete(p);
    for (const seg of t.segs) this.release(seg);
    t.segs.length = 0;
  }

  private newSegment(t: PartTail, first: number, size: number): Segment | undefined {
    const full = t.shift === 0;
    const records = Math.max(1, this.segmentRecords >> t.shift);
    const slabBytes = Math.max(this.slabBytes >> t.shift, size);
    if (!full) t.shift--;
    const bytes = slabBytes + records * SLOT_BYTES;
    if (bytes > this.maxBytes) return undefined;
    while (this.held + bytes > this.maxBytes) this.evictOldest();
    const slab = full && slabBytes === this.slabBytes && this.spare.length > 0 ? this.spare.pop()! : Buffer.allocUnsafeSlow(slabBytes);
    const seg = new Segment(t, first, slab, records);
    t.segs.push(seg);
    this.queue.push(seg);
    this.held += bytes;
    return seg;
  }

  private evictOldest(): void {
    const seg = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as Segment;
    if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (seg.dead) return;
    const t = seg.tail;
    // Segments of a partition are created, hence evicted, in offset order: this is its first.
    t.segs.shift();
    t.start = Math.max(t.start, seg.first + seg.n);
    this.release(seg);
  }

  private release(seg: Segment): void {
    if (seg.dead) return;
    seg.dead = true;
    this.held -= seg.bytes;
    if (seg.capacity === this.segmentRecords && seg.slab.length === this.slabBytes && this.spare.length < MAX_SPARE_SLABS) this.spare.push(seg.slab);
  }

  /** Index of the segment holding `offset` (segments are contiguous and ordered). */
  private segmentAt(t: PartTail, offset: number): number {
    let lo = 0;
    let hi = t.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t.segs[mid]!.first <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** A value of its own (pooled for small ones, as Buffer.from is): slabs are reused once evicted. */
function copyOut(slab: Buffer, start: number, len: number): Buffer {
  const value = Buffer.allocUnsafe(len);
  slab.copy(value, 0, start, start + len);
  return value;
}
