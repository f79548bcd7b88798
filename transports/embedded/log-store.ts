/**
 * Appends and reads records. An append is one SQLite transaction for the
 * whole batch (records, new log end offsets and, for a transactional
 * producer, the partitions its transaction now spans), so a batch is either
 * entirely in the log or not at all, and a crash never leaves records of an
 * unfinished transaction looking committed. Its records for one partition
 * are one row (a packed batch, batch-codec.ts), split only when large.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { partitionForKey } from '../murmur2.js';
import type { Headers, LogRecord, OutgoingRecord, RecordMetadata } from '../types.js';
import { BATCH_MAX_BYTES, BATCH_MAX_RECORDS, type PackedRecord, packBatch, toLogRecord, unpackBatch } from './batch-codec.js';
import { DEFAULT_TAIL_BYTES, LogTail } from './log-tail.js';
import { type Notifier, topicKey } from './notifier.js';
import type { Db } from './schema.js';
import type { PartitionLog, TopicCatalog, TopicLog } from './topic-catalog.js';

/** The open transaction an append belongs to. */
export interface TxnWrite {
  readonly id: number;
  /** Partitions this transaction wrote to, with its first offset in each. */
  readonly partitions: Map<PartitionLog, number>;
}

type BatchRow = [first: number, last: number, data: Buffer];

/**
 * The batch a partition was last read from, and where that read stopped: a consumer reading on
 * (polls smaller than a batch, a restore) resumes there instead of selecting the BLOB again and
 * stepping over the records it already had. Dropped when the partition's batches change
 * (abort, retention, compaction, topic deleted).
 */
interface ReadCursor {
  first: number;
  last: number;
  data: Buffer;
  /** Byte position in `data` of the first record at or after `next`. */
  pos: number;
  next: number;
}

/** Read cursors kept (one BLOB of up to ~1 MiB each), least recently created dropped first. */
const MAX_CURSORS = 16;

export class LogStore {
  private readonly insert;
  private readonly updateNext;
  private readonly insertTxnPartition;
  private readonly select;
  private readonly selectMin;
  private readonly selectAtTime;
  private readonly appendTx;

  private readonly tail: LogTail;
  private readonly cursors = new Map<PartitionLog, ReadCursor>();
  /** Records returned by `read`, by where they came from (tests and profiling). */
  readonly served = { memory: 0, sqlite: 0 };

  constructor(
    db: Db,
    private readonly catalog: TopicCatalog,
    private readonly notifier: Notifier,
    tailBytes: number = DEFAULT_TAIL_BYTES,
  ) {
    this.tail = new LogTail(tailBytes);
    this.insert = db.prepare(
      'INSERT INTO batches (topic_id, part, first_off, last_off, n, nulls, ts_min, ts_max, txn, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateNext = db.prepare('UPDATE partitions SET next_off = ? WHERE topic_id = ? AND part = ?');
    this.insertTxnPartition = db.prepare('INSERT OR IGNORE INTO txn_partitions (txn_id, topic_id, part, first_off) VALUES (?, ?, ?, ?)');
    // The batch holding `off`, or the first after it.
    this.select = db
      .prepare('SELECT first_off, last_off, data FROM batches WHERE topic_id = ? AND part = ? AND last_off >= ? ORDER BY last_off LIMIT 1')
      .raw(true);
    this.selectMin = db.prepare('SELECT first_off FROM batches WHERE topic_id = ? AND part = ? ORDER BY last_off LIMIT 1').pluck(true);
    // The first batch holding a record at or after `ts` holds the first such record.
    this.selectAtTime = db
      .prepare('SELECT first_off, last_off, data FROM batches WHERE topic_id = ? AND part = ? AND ts_max >= ? ORDER BY last_off LIMIT 1')
      .raw(true);
    this.appendTx = db.transaction(
      (
        batch: readonly OutgoingRecord[],
        parts: PartitionLog[],
        metas: RecordMetadata[],
        starts: Map<PartitionLog, number>,
        headersOf: Array<string | null>,
        txn: TxnWrite | null,
        now: number,
      ) => {
        const txnId = txn ? txn.id : 0;
        // One batch row per partition: the records of the common single-partition append go
        // straight into one list, others are grouped by partition first.
        const byPart = new Map<PartitionLog, PackedRecord[]>();
        let lastPart: PartitionLog | undefined;
        let list: PackedRecord[] = [];
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!;
          const p = parts[i]!;
          if (p !== lastPart) {
            if (!starts.has(p)) starts.set(p, p.next);
            let l = byPart.get(p);
            if (l === undefined) byPart.set(p, (l = []));
            list = l;
            lastPart = p;
          }
          const offset = p.next++;
          const headers = encodeHeaders(r.headers);
          headersOf[i] = headers;
          list.push({ offset, key: r.key ?? null, value: r.value ?? null, timestamp: r.timestamp ?? now, headers });
          metas[i] = { topic: p.topic, partition: p.partition, offset };
        }
        for (const [p, records] of byPart) this.insertBatches(p, records, txnId);
        for (const [p, first] of starts) {
          this.updateNext.run(p.next, p.topicId, p.partition);
          if (txn && !txn.partitions.has(p)) this.insertTxnPartition.run(txn.id, p.topicId, p.partition, first);
        }
      },
    );
  }

  /** Writes one partition's records of an append as batch rows, split at the size bounds. */
  private insertBatches(p: PartitionLog, records: PackedRecord[], txnId: number): void {
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const size = 24 + (r.value === null ? 0 : r.value.length) + (r.key === null ? 0 : r.key.length);
      if (i > from && (i - from >= BATCH_MAX_RECORDS || bytes + size > BATCH_MAX_BYTES)) {
        this.insertBatch(p, records, from, i, txnId);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    this.insertBatch(p, records, from, records.length, txnId);
  }

  private insertBatch(p: PartitionLog, records: PackedRecord[], from: number, to: number, txnId: number): void {
    const { blob, meta } = packBatch(records, from, to);
    this.insert.run(p.topicId, p.partition, meta.first, meta.last, meta.count, meta.nulls, meta.tsMin, meta.tsMax, txnId, blob);
  }

  /** Appends a batch atomically; partitions come from the records or Kafka's default partitioner. */
  append(batch: readonly OutgoingRecord[], txn: TxnWrite | null, now: number = Date.now()): RecordMetadata[] {
    const metas = new Array<RecordMetadata>(batch.length);
    if (batch.length === 0) return metas;
    const parts = this.resolve(batch);
    const starts = new Map<PartitionLog, number>();
    const headersOf = new Array<string | null>(batch.length);
    try {
      this.appendTx(batch, parts, metas, starts, headersOf, txn, now);
    } catch (err) {
      for (const [p, first] of starts) p.next = first;
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `append to the embedded log failed: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    // Committed to SQLite: now the tail may serve them (it copies the values).
    const txnId = txn ? txn.id : 0;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      this.tail.push(parts[i]!, metas[i]!.offset, r.key ?? null, r.value ?? null, r.timestamp ?? now, headersOf[i]!, txnId);
    }
    const topics = new Set<string>();
    for (const [p, first] of starts) {
      topics.add(p.topic);
      if (txn && !txn.partitions.has(p)) {
        txn.partitions.set(p, first);
        p.openTxns.set(txn.id, first);
      }
    }
    for (const t of topics) this.notifier.signal(topicKey(t));
    return metas;
  }

  /**
   * Reads records in [from, bound) into `out`, at most `limit`; returns how many. Offsets may have
   * gaps. What the tail holds comes from memory, the rest from SQLite; either way every record
   * and value returned is the caller's own.
   */
  read(p: PartitionLog, from: number, bound: number, limit: number, out: LogRecord[]): number {
    const start = this.tail.start(p);
    if (from >= start) return this.fromTail(p, from, bound, limit, out);
    const below = Math.min(bound, start);
    let got = 0;
    let lastOffset = -1;
    const take = (offset: number, key: string | null, value: Buffer | null, timestamp: number, headers: string | null): boolean => {
      out.push(toLogRecord(p.topic, p.partition, offset, key, value, timestamp, headers));
      lastOffset = offset;
      return ++got < limit;
    };
    for (let at = from; got < limit && at < below; ) {
      let c = this.cursors.get(p);
      if (c === undefined || at < c.first || at > c.last) {
        const row = this.select.get(p.topicId, p.partition, at) as BatchRow | undefined;
        if (row === undefined || row[0] >= below) break;
        c = { first: row[0], last: row[1], data: row[2], pos: 0, next: row[0] };
        this.cursors.delete(p);
        if (this.cursors.size >= MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
        this.cursors.set(p, c);
      }
      const pos = unpackBatch(c.data, c.first, at, below, take, at >= c.next ? c.pos : 0);
      // Every record before `pos` is below `next`.
      c.pos = pos;
      c.next = got === limit ? lastOffset + 1 : pos >= c.data.length ? c.last + 1 : below;
      at = c.last + 1;
    }
    this.served.sqlite += got;
    // Fewer records than asked: nothing else in SQLite below the tail's start, go on in memory.
    if (got < limit && bound > start) return got + this.fromTail(p, start, bound, limit - got, out);
    return got;
  }

  private fromTail(p: PartitionLog, from: number, bound: number, limit: number, out: LogRecord[]): number {
    const got = this.tail.read(p, from, bound, limit, out);
    this.served.memory += got;
    return got;
  }

  /** A transaction aborted (its records deleted from SQLite by the coordinator): drop them from the tail. */
  aborted(p: PartitionLog, first: number, txnId: number): void {
    this.cursors.delete(p);
    this.tail.abort(p, first, txnId);
  }

  /** Retention or compaction deleted records of `p` below `offset`: the tail no longer serves them. */
  cleaned(p: PartitionLog, offset: number): void {
    this.cursors.delete(p);
    this.tail.truncate(p, offset);
  }

  /** The partitions of a deleted topic. */
  dropped(parts: readonly PartitionLog[]): void {
    for (const p of parts) {
      this.cursors.delete(p);
      this.tail.drop(p);
    }
  }

  /** Bytes the tail holds (tests, metrics). */
  get tailBytes(): number {
    return this.tail.bytes;
  }

  /** Log start offset: the first record still held (retention and compaction move it), else the end. */
  beginningOffset(p: PartitionLog): number {
    const min = this.selectMin.get(p.topicId, p.partition) as number | undefined;
    return min ?? p.next;
  }

  /** The first offset whose record's timestamp is at or after `ts` (Kafka's ListOffsets by time), else the end. */
  offsetForTime(p: PartitionLog, ts: number): number {
    const row = this.selectAtTime.get(p.topicId, p.partition, ts) as BatchRow | undefined;
    let found: number | undefined;
    if (row !== undefined) {
      unpackBatch(row[2], row[0], row[0], Number.POSITIVE_INFINITY, (offset, _k, _v, timestamp) => {
        if (timestamp >= ts) found = offset;
        return found === undefined;
      });
    }
    return found ?? p.next;
  }

  private resolve(batch: readonly OutgoingRecord[]): PartitionLog[] {
    const parts = new Array<PartitionLog>(batch.length);
    let topic: TopicLog | undefined;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (topic?.name !== r.topic) topic = this.catalog.require(r.topic);
      const count = topic.parts.length;
      let partition = r.partition;
      if (partition === undefined || partition === null) {
        partition = r.key != null ? partitionForKey(r.key, count) : (topic.rr = (topic.rr + 1) % count);
      } else if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `topic ${r.topic} has no partition ${partition} (it has ${count})`, {
          details: { topic: r.topic, partition },
        });
      }
      if (topic.compacted && r.key == null) {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `topic ${r.topic} is compacted: records need a key`, { details: { topic: r.topic } });
      }
      // SQLite would coerce other types (a number key to text, a numeric string timestamp to a
      // number): refuse them, so what a reader gets is what was sent, from memory or from SQLite.
      if (r.key != null && typeof r.key !== 'string') {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `record keys are strings (topic ${r.topic})`, { details: { topic: r.topic } });
      }
      if (r.timestamp != null && !Number.isFinite(r.timestamp)) {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `record timestamps are finite numbers (topic ${r.topic})`, { details: { topic: r.topic } });
      }
      if (r.value != null && !(r.value instanceof Uint8Array)) {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `record values are Buffers (topic ${r.topic})`, { details: { topic: r.topic } });
      }
      parts[i] = topic.parts[partition]!;
    }
    return parts;
  }
}

function encodeHeaders(headers: Headers | undefined): string | null {
  if (headers) for (const _ in headers) return JSON.stringify(headers);
  return null;
}
