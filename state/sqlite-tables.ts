/**
 * The bottom layer: one SQLite table per store, prepared statements only.
 * Values are JSON text; every row keeps `ts`, the time of its last write, for
 * TTL. Tables are WITHOUT ROWID so the primary key is the clustered index the
 * range queries walk.
 *
 * - key-value: PRIMARY KEY (k)
 * - window:    PRIMARY KEY (k, ws)      + index (ws) for fetchAll and retention
 * - session:   PRIMARY KEY (k, se, ss)  + index (se) for retention. End first,
 *   as Kafka Streams does: findSessions asks for end >= earliestEnd, so the scan
 *   starts at the first live session instead of the key's oldest one.
 */
import type Database from 'better-sqlite3';
import type { DecodedKey } from './key-codec.js';
import { type Db, tableName } from './sqlite-db.js';
import type { StoreKindName } from './types.js';

type Stmt = Database.Statement<unknown[], unknown>;
/** [key, t1, t2, json] — t1 = windowStart / session start, t2 = session end (0 when unused). */
export type RawRow = [string, number, number, string];

export interface RowTable {
  readonly kind: StoreKindName;
  getJson(key: string, t1: number, t2: number): string | undefined;
  exists(key: string, t1: number, t2: number): boolean;
  upsert(key: string, t1: number, t2: number, json: string | Buffer, ts: number): void;
  /** Inserts only when no row has this key; true when it inserted. */
  insertIfAbsent(key: string, t1: number, t2: number, json: string | Buffer, ts: number): boolean;
  /** True when a row was deleted. */
  remove(key: string, t1: number, t2: number): boolean;
  /** Queued upsert (see SqliteTable.upsertMany); flushMany() writes what is queued. */
  upsertMany(key: string, t1: number, t2: number, json: string | Buffer, ts: number): void;
  flushMany(): void;
  count(): number;
  /** Keys of rows last written before ttlCutoff, or whose time (window start / session end) is before retentionCutoff. */
  expired(ttlCutoff: number | null, retentionCutoff: number | null, limit: number): DecodedKey[];
  /** key-value: from <= k <= to (null bounds = open), in key order. */
  range(from: string | null, to: string | null): RawRow[];
  /** window: rows of key with ws in [from, to], by ws. session: rows of key with end >= from and start <= to, by (end, start). */
  fetchKey(key: string, from: number, to: number): RawRow[];
  /** window: all keys, ws in [from, to], by (ws, key). */
  fetchAll(from: number, to: number): RawRow[];
}

function raw(db: Db, sql: string): Stmt {
  return db.prepare(sql).raw(true) as Stmt;
}

function pluck(db: Db, sql: string): Stmt {
  return db.prepare(sql).pluck(true) as Stmt;
}

const MAX_TS = Number.MAX_SAFE_INTEGER;
const MIN_TS = Number.MIN_SAFE_INTEGER;

/** Column layout per kind: the SQL differs only in key columns, so one class serves all three. */
interface Layout {
  prefix: string;
  /** Key columns in primary-key order. */
  pk: string[];
  /** SELECT list producing [key, t1, t2, v]. */
  select: string;
  /** Column compared with the retention cutoff, if any. */
  timeCol: string | null;
  indexes: string[];
}

const LAYOUTS: Record<StoreKindName, Layout> = {
  key_value: {
    prefix: 'kv',
    pk: ['k'],
    select: 'k, 0, 0, v',
    timeCol: null,
    indexes: [],
  },
  window: {
    prefix: 'win',
    pk: ['k', 'ws'],
    select: 'k, ws, 0, v',
    timeCol: 'ws',
    indexes: ['ws'],
  },
  session: {
    prefix: 'ses',
    pk: ['k', 'se', 'ss'],
    select: 'k, ss, se, v',
    timeCol: 'se',
    indexes: ['se'],
  },
};

/** Rows per multi-row INSERT of upsertMany: one statement call instead of 64 (binding and stepping dominate small rows). */
const BATCH_ROWS = 64;

export class SqliteTable implements RowTable {
  private readonly s: Record<string, Stmt>;
  /** Arguments of the multi-row upsert, reused. */
  private readonly batchArgs: unknown[];
  private batchRows = 0;
  private readonly width: number;

  /**
   * `listRows`: a key-value table that may hold list-rows element rows (list-rows.ts, keys containing
   * U+0001): they are not counted, and never expire on their own (they go with their head).
   */
  constructor(
    db: Db,
    storeId: string,
    readonly kind: StoreKindName,
    options: { ttlIndex: boolean; listRows?: boolean },
  ) {
    const L = LAYOUTS[kind];
    const t = tableName(L.prefix, storeId);
    const keyCols = L.pk.map((c) => `${c} ${c === 'k' ? 'TEXT' : 'INTEGER'} NOT NULL`).join(', ');
    db.exec(`CREATE TABLE IF NOT EXISTS ${t} (${keyCols}, v TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (${L.pk.join(', ')})) WITHOUT ROWID`);
    const idx = options.ttlIndex ? [...L.indexes, 'ts'] : L.indexes;
    for (const col of idx) db.exec(`CREATE INDEX IF NOT EXISTS ${tableName(`${L.prefix}_${col}`, storeId)} ON ${t} (${col})`);

    const where = L.pk.map((c) => `${c} = ?`).join(' AND ');
    const cols = L.pk.join(', ');
    const marks = L.pk.map(() => '?').join(', ');
    const heads = options.listRows ? ' AND instr(k, char(1)) = 0' : '';
    this.s = {
      get: pluck(db, `SELECT v FROM ${t} WHERE ${where}`),
      exists: pluck(db, `SELECT 1 FROM ${t} WHERE ${where}`),
      // REPLACE rather than ON CONFLICT DO UPDATE: half the cost per row in SQLite 3.53, same result (no triggers, no foreign keys).
      // v is TEXT: a value bound as bytes (the UTF-8 of its JSON, json-arena.ts) is cast, so rows read back as strings.
      upsert: db.prepare(`INSERT OR REPLACE INTO ${t} (${cols}, v, ts) VALUES (${marks}, CAST(? AS TEXT), ?)`) as Stmt,
      upsertBatch: db.prepare(
        `INSERT OR REPLACE INTO ${t} (${cols}, v, ts) VALUES ${new Array(BATCH_ROWS).fill(`(${marks}, CAST(? AS TEXT), ?)`).join(', ')}`,
      ) as Stmt,
      insertIfAbsent: db.prepare(`INSERT OR IGNORE INTO ${t} (${cols}, v, ts) VALUES (${marks}, CAST(? AS TEXT), ?)`) as Stmt,
      remove: db.prepare(`DELETE FROM ${t} WHERE ${where}`) as Stmt,
      count: pluck(db, `SELECT COUNT(*) FROM ${t} WHERE 1${heads}`),
      expiredTtl: raw(db, `SELECT ${L.select} FROM ${t} WHERE ts < ?${heads} LIMIT ?`),
      rangeBoth: raw(db, `SELECT ${L.select} FROM ${t} WHERE k >= ? AND k <= ? ORDER BY k`),
      rangeFrom: raw(db, `SELECT ${L.select} FROM ${t} WHERE k >= ? ORDER BY k`),
      rangeTo: raw(db, `SELECT ${L.select} FROM ${t} WHERE k <= ? ORDER BY k`),
      rangeAll: raw(db, `SELECT ${L.select} FROM ${t} ORDER BY k`),
    };
    if (kind === 'window') {
      this.s.fetchKey = raw(db, `SELECT ${L.select} FROM ${t} WHERE k = ? AND ws >= ? AND ws <= ? ORDER BY ws`);
      this.s.fetchAll = raw(db, `SELECT ${L.select} FROM ${t} WHERE ws >= ? AND ws <= ? ORDER BY ws, k`);
    } else if (kind === 'session') {
      this.s.fetchKey = raw(db, `SELECT ${L.select} FROM ${t} WHERE k = ? AND se >= ? AND ss <= ? ORDER BY se, ss`);
    }
    if (L.timeCol) this.s.expiredTime = raw(db, `SELECT ${L.select} FROM ${t} WHERE ${L.timeCol} < ? LIMIT ?`);
    this.width = L.pk.length + 2;
    this.batchArgs = new Array<unknown>(BATCH_ROWS * this.width);
  }

  /**
   * Queues an upsert, written with up to 63 others in one statement; call flushMany() before
   * anything else touches the table (a remove, a read) and at the end. For rows whose order does
   * not matter among themselves (distinct keys, or later rows meant to win).
   */
  upsertMany(key: string, t1: number, t2: number, json: string | Buffer, ts: number): void {
    const a = this.batchArgs;
    let i = this.batchRows * this.width;
    a[i++] = key;
    if (this.kind === 'window') a[i++] = t1;
    else if (this.kind === 'session') {
      a[i++] = t2;
      a[i++] = t1;
    }
    a[i++] = json;
    a[i] = ts;
    if (++this.batchRows === BATCH_ROWS) {
      this.s.upsertBatch.run(a);
      this.batchRows = 0;
    }
  }

  /** Writes the upserts queued by upsertMany. */
  flushMany(): void {
    const n = this.batchRows;
    if (n === 0) return;
    this.batchRows = 0;
    const a = this.batchArgs;
    const w = this.width;
    for (let r = 0; r < n; r++) {
      const i = r * w;
      if (this.kind === 'key_value') this.s.upsert.run(a[i], a[i + 1], a[i + 2]);
      else if (this.kind === 'window') this.s.upsert.run(a[i], a[i + 1], a[i + 2], a[i + 3]);
      else this.s.upsert.run(a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4]);
    }
  }

  // Explicit arities rather than spreading an argument array: these run once
  // per cache miss / flushed row, and the spread allocates.
  getJson(key: string, t1: number, t2: number): string | undefined {
    const st = this.s.get;
    if (this.kind === 'key_value') return st.get(key) as string | undefined;
    if (this.kind === 'window') return st.get(key, t1) as string | undefined;
    return st.get(key, t2, t1) as string | undefined;
  }

  exists(key: string, t1: number, t2: number): boolean {
    const st = this.s.exists;
    if (this.kind === 'key_value') return st.get(key) !== undefined;
    if (this.kind === 'window') return st.get(key, t1) !== undefined;
    return st.get(key, t2, t1) !== undefined;
  }

  upsert(key: string, t1: number, t2: number, json: string | Buffer, ts: number): void {
    this.write(this.s.upsert, key, t1, t2, json, ts);
  }

  insertIfAbsent(key: string, t1: number, t2: number, json: string | Buffer, ts: number): boolean {
    return this.write(this.s.insertIfAbsent, key, t1, t2, json, ts) > 0;
  }

  remove(key: string, t1: number, t2: number): boolean {
    const st = this.s.remove;
    if (this.kind === 'key_value') return st.run(key).changes > 0;
    if (this.kind === 'window') return st.run(key, t1).changes > 0;
    return st.run(key, t2, t1).changes > 0;
  }

  private write(st: Stmt, key: string, t1: number, t2: number, json: string | Buffer, ts: number): number {
    if (this.kind === 'key_value') return st.run(key, json, ts).changes;
    if (this.kind === 'window') return st.run(key, t1, json, ts).changes;
    return st.run(key, t2, t1, json, ts).changes;
  }

  count(): number {
    return this.s.count.get() as number;
  }

  expired(ttlCutoff: number | null, retentionCutoff: number | null, limit: number): DecodedKey[] {
    const rows: RawRow[] = [];
    if (retentionCutoff !== null && this.s.expiredTime) rows.push(...(this.s.expiredTime.all(retentionCutoff, limit) as RawRow[]));
    if (ttlCutoff !== null && rows.length < limit) rows.push(...(this.s.expiredTtl.all(ttlCutoff, limit) as RawRow[]));
    // A row can match both queries: dedupe on the full key.
    const seen = new Set<string>();
    const out: DecodedKey[] = [];
    for (const [key, t1, t2] of rows) {
      const id = `${t1}\u0000${t2}\u0000${key}`;
      if (seen.has(id) || out.length >= limit) continue;
      seen.add(id);
      out.push({ key, t1, t2 });
    }
    return out;
  }

  range(from: string | null, to: string | null): RawRow[] {
    if (from !== null && to !== null) return this.s.rangeBoth.all(from, to) as RawRow[];
    if (from !== null) return this.s.rangeFrom.all(from) as RawRow[];
    if (to !== null) return this.s.rangeTo.all(to) as RawRow[];
    return this.s.rangeAll.all() as RawRow[];
  }

  fetchKey(key: string, from: number, to: number): RawRow[] {
    return this.s.fetchKey.all(key, clamp(from), clamp(to)) as RawRow[];
  }

  fetchAll(from: number, to: number): RawRow[] {
    return this.s.fetchAll.all(clamp(from), clamp(to)) as RawRow[];
  }
}

/** Callers pass ±Infinity for open bounds; SQLite binds integers only. */
function clamp(t: number): number {
  if (t === Infinity) return MAX_TS;
  if (t === -Infinity) return MIN_TS;
  return Math.trunc(t);
}
