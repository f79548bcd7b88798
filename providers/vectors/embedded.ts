/**
 * The embedded vector store: one SQLite file (better-sqlite3), exact cosine
 * search. Vectors are stored as raw Float32 BLOBs, unit-normalised at insert,
 * so cosine is a dot product. Searches run over an in-memory matrix per user
 * (and one for "all users"), built from the BLOBs without JSON and dropped
 * when an upsert touches that user or another connection writes the file
 * (PRAGMA data_version). Payload JSON is parsed for the hits only.
 */

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { startWalCheckpointer } from '../../common/wal-checkpointer.js';
import type { VectorHit, VectorPoint, VectorQuery, VectorSink } from '../types.js';
import { toUnitVector } from '../vector-math.js';
import { type Matrix, MatrixCache } from './matrix-cache.js';
import { topKByDot } from './top-k.js';

export interface EmbeddedVectorStoreOptions {
  /** SQLite file (created with its directory); `:memory:` for a throwaway store. */
  path: string;
  name?: string;
  /** Memory for cached search matrices (default 256 MiB). */
  cacheBytes?: number;
}

export interface EmbeddedVectorStore extends VectorSink {
  /** Vector size of the collection, null until fixed by ensureCollection() or the first upsert. */
  readonly dims: number | null;
}

const ALL_USERS = '\u0000all';

export function createEmbeddedVectorStore(options: EmbeddedVectorStoreOptions): EmbeddedVectorStore {
  if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Its WAL checkpoints stalled the event loop 15-40 ms each in the gateway's load test: on a worker.
  const checkpointer = startWalCheckpointer(db, options.path);
  db.exec(`
    CREATE TABLE IF NOT EXISTS vector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS vectors (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      window_end INTEGER NOT NULL,
      vector BLOB NOT NULL,
      payload TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS vectors_user ON vectors (user_id, window_end);
  `);
  const stmt = {
    getDims: db.prepare<[], { value: string }>(`SELECT value FROM vector_meta WHERE key = 'dims'`),
    setDims: db.prepare<[string]>(`INSERT OR REPLACE INTO vector_meta (key, value) VALUES ('dims', ?)`),
    userOf: db.prepare<[string], { user_id: string }>('SELECT user_id FROM vectors WHERE id = ?'),
    upsert: db.prepare<[string, string, number, Buffer, string]>(
      'INSERT OR REPLACE INTO vectors (id, user_id, window_end, vector, payload) VALUES (?, ?, ?, ?, ?)',
    ),
    // rowid order keeps ties stable between a cached and a fresh matrix.
    userVectors: db.prepare<[string], [string, Buffer]>('SELECT id, vector FROM vectors WHERE user_id = ? ORDER BY rowid').raw(true),
    allVectors: db.prepare<[], [string, Buffer]>('SELECT id, vector FROM vectors ORDER BY rowid').raw(true),
    payload: db.prepare<[string], { payload: string }>('SELECT payload FROM vectors WHERE id = ?'),
    countUser: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM vectors WHERE user_id = ?'),
    countAll: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM vectors'),
  };
  const name = options.name ?? 'embedded';
  const cache = new MatrixCache(options.cacheBytes ?? 256 * 1024 * 1024);
  let dims: number | null = stmt.getDims.get() ? Number(stmt.getDims.get()!.value) : null;
  let dataVersion = db.pragma('data_version', { simple: true }) as number;
  let closed = false;

  const fail = (message: string, details?: Record<string, unknown>): never => {
    throw new AuraError(ErrorCodes.PROVIDER_FAILED, `vector store ${name}: ${message}`, { details });
  };
  const open = (): void => {
    if (closed) fail('closed');
  };
  const fixDims = (n: number): void => {
    if (!Number.isInteger(n) || n <= 0) fail(`invalid dimension ${n}`);
    if (dims === null) {
      stmt.setDims.run(String(n));
      dims = n;
    } else if (dims !== n) {
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `vector store ${name} holds ${dims}-d vectors, got ${n}-d (did the embedder change? use a new path)`, {
        details: { expected: dims, actual: n },
      });
    }
  };

  const upsertAll = db.transaction((points: VectorPoint[]) => {
    const touched = new Set<string>();
    for (const p of points) {
      const prev = stmt.userOf.get(p.id); // a point may move between users: drop both caches
      if (prev) touched.add(prev.user_id);
      const unit = toUnitVector(p.vector);
      stmt.upsert.run(p.id, p.payload.user_id, p.payload.window_end, Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength), JSON.stringify(p.payload));
      touched.add(p.payload.user_id);
    }
    return touched;
  });

  const loadMatrix = (userId: string | undefined): Matrix => {
    // Another connection (another process) committed: every cached matrix may be stale.
    const version = db.pragma('data_version', { simple: true }) as number;
    if (version !== dataVersion) {
      cache.clear();
      dataVersion = version;
    }
    const key = userId ?? ALL_USERS;
    const hit = cache.get(key);
    if (hit) return hit;
    const rows = userId === undefined ? stmt.allVectors.all() : stmt.userVectors.all(userId);
    const d = dims ?? 0;
    const matrix = new Float32Array(rows.length * d);
    const bytes = new Uint8Array(matrix.buffer);
    const ids: string[] = new Array(rows.length);
    rows.forEach(([id, blob], i) => {
      ids[i] = id;
      bytes.set(blob, i * d * 4); // copy: BLOB buffers need not be 4-byte aligned
    });
    const m = { ids, matrix };
    cache.set(key, m);
    return m;
  };

  return {
    name,
    get dims() {
      return dims;
    },
    async ensureCollection(n) {
      open();
      fixDims(n);
    },
    async upsert(points) {
      open();
      if (points.length === 0) return;
      for (const p of points) {
        if (typeof p.id !== 'string' || p.id.length === 0) fail('point id must be a non-empty string');
        if (typeof p.payload?.user_id !== 'string') fail(`point ${p.id}: payload.user_id must be a string`);
        if (!Number.isFinite(p.payload.window_end)) fail(`point ${p.id}: payload.window_end must be a number`);
        fixDims(p.vector.length);
      }
      const touched = upsertAll(points);
      cache.delete(ALL_USERS);
      for (const u of touched) cache.delete(u);
      // Our own commit bumps no data_version for us (only others' do), so nothing else to do.
    },
    async search(q: VectorQuery): Promise<VectorHit[]> {
      open();
      if (dims === null || q.topK <= 0) return [];
      if (q.vector.length !== dims) fail(`query has ${q.vector.length} dimensions, the store ${dims}`, { expected: dims, actual: q.vector.length });
      const { ids, matrix } = loadMatrix(q.userId);
      const best = topKByDot(matrix, dims, toUnitVector(q.vector), q.topK, q.minScore ?? -Infinity);
      return best.map(({ row, score }) => {
        const id = ids[row]!;
        return { id, score, payload: JSON.parse(stmt.payload.get(id)!.payload) as VectorHit['payload'] };
      });
    },
    async count(userId) {
      open();
      return (userId === undefined ? stmt.countAll.get() : stmt.countUser.get(userId))!.n;
    },
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      await checkpointer.close();
      db.close();
    },
  };
}
