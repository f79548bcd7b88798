/**
 * Appends and reads records. An append is one SQLite transaction for the
 * whole batch (records, new log end offsets and, for a transactional
 * producer, the partitions its transaction now spans), so a batch is either
 * entirely in the log or not at all, and a crash never leaves records of an
 * unfinished transaction looking committed.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { partitionForKey } from '../murmur2.js';
import type { Headers, LogRecord, OutgoingRecord, RecordMetadata } from '../types.js';
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

type Row = [offset: number, key: string | null, value: Buffer | null, timestamp: number, headers: string | null];

export class LogStore {
  private readonly insert;
  private readonly insertChunk;
  private readonly updateNext;
  private readonly insertTxnPartition;
  private readonly select;
  private readonly selectMin;
  private readonly selectAtTime;
  private readonly appendTx;

  private readonly tail: LogTail;
  /** Records returned by `read`, by where they came from (tests and profiling). */
  readonly served = { memory: 0, sqlite: 0 };

  constructor(
    private readonly db: Db,
    private readonly catalog: TopicCatalog,
    private readonly notifier: Notifier,
    tailBytes: number = DEFAULT_TAIL_BYTES,
  ) {
    this.tail = new LogTail(tailBytes);
    this.insert = db.prepare(insertSql(1));
    this.insertChunk = db.prepare(insertSql(CHUNK));
    this.updateNext = db.prepare('UPDATE partitions SET next_off = ? WHERE topic_id = ? AND part = ?');
    this.insertTxnPartition = db.prepare('INSERT OR IGNORE INTO txn_partitions (txn_id, topic_id, part, first_off) VALUES (?, ?, ?, ?)');
    this.select = db
      .prepare('SELECT off, rkey, value, ts, headers FROM records WHERE topic_id = ? AND part = ? AND off >= ? AND off < ? ORDER BY off LIMIT ?')
      .raw(true);
    this.selectMin = db.prepare('SELECT MIN(off) FROM records WHERE topic_id = ? AND part = ?').pluck(true);
    this.selectAtTime = db.prepare('SELECT MIN(off) FROM records WHERE topic_id = ? AND part = ? AND ts >= ?').pluck(true);
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
        // Rows go in multi-row INSERTs of CHUNK: one native call per chunk instead of per record.
        const params: unknown[] = new Array(CHUNK * COLUMNS);
        let filled = 0;
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!;
          const p = parts[i]!;
          if (!starts.has(p)) starts.set(p, p.next);
          const offset = p.next++;
          const headers = encodeHeaders(r.headers);
          headersOf[i] = headers;
          let k = filled * COLUMNS;
          params[k++] = p.topicId;
          params[k++] = p.partition;
          params[k++] = offset;
          params[k++] = r.key ?? null;
          params[k++] = r.value ?? null;
          params[k++] = r.timestamp ?? now;
          params[k++] = headers;
          params[k] = txnId;
          metas[i] = { topic: p.topic, partition: p.partition, offset };
          if (++filled === CHUNK) {
            this.insertChunk.run(params);
            filled = 0;
          }
        }
        for (let j = 0; j < filled; j++) this.insert.run(params.slice(j * COLUMNS, (j + 1) * COLUMNS));
        for (const [p, first] of starts) {
          this.updateNext.run(p.next, p.topicId, p.partition);
          if (txn && !txn.partitions.has(p)) this.insertTxnPartition.run(txn.id, p.topicId, p.partition, first);
        }
      },
    );
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
    const rows = this.select.all(p.topicId, p.partition, from, Math.min(bound, start), limit) as Row[];
    for (const [offset, key, value, timestamp, headers] of rows) {
      out.push({ topic: p.topic, partition: p.partition, offset, key, value, timestamp, headers: headers === null ? {} : (JSON.parse(headers) as Headers) });
    }
    this.served.sqlite += rows.length;
    // Fewer rows than asked: nothing else in SQLite below the tail's start, go on in memory.
    if (rows.length < limit && bound > start) return rows.length + this.fromTail(p, start, bound, limit - rows.length, out);
    return rows.length;
  }

  private fromTail(p: PartitionLog, from: number, bound: number, limit: number, out: LogRecord[]): number {
    const got = this.tail.read(p, from, bound, limit, out);
    this.served.memory += got;
    return got;
  }

  /** A transaction aborted (its records deleted from SQLite by the coordinator): drop them from the tail. */
  aborted(p: PartitionLog, first: number, txnId: number): void {
    this.tail.abort(p, first, txnId);
  }

  /** Retention or compaction deleted records of `p` below `offset`: the tail no longer serves them. */
  cleaned(p: PartitionLog, offset: number): void {
    this.tail.truncate(p, offset);
  }

  /** The partitions of a deleted topic. */
  dropped(parts: readonly PartitionLog[]): void {
    for (const p of parts) this.tail.drop(p);
  }

  /** Bytes the tail holds (tests, metrics). */
  get tailBytes(): number {
    return this.tail.bytes;
  }

  /** Log start offset: the first record still held (retention and compaction move it), else the end. */
  beginningOffset(p: PartitionLog): number {
    const min = this.selectMin.get(p.topicId, p.partition) as number | null;
    return min ?? p.next;
  }

  /** The first offset whose record's timestamp is at or after `ts` (Kafka's ListOffsets by time), else the end. */
  offsetForTime(p: PartitionLog, ts: number): number {
    const min = this.selectAtTime.get(p.topicId, p.partition, ts) as number | null;
    return min ?? p.next;
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

const COLUMNS = 8;
const CHUNK = 64;

function insertSql(rows: number): string {
  const row = '(?, ?, ?, ?, ?, ?, ?, ?)';
  return `INSERT INTO records (topic_id, part, off, rkey, value, ts, headers, txn) VALUES ${new Array(rows).fill(row).join(', ')}`;
}

function encodeHeaders(headers: Headers | undefined): string | null {
  if (headers) for (const _ in headers) return JSON.stringify(headers);
  return null;
}
