/**
 * Micro benchmark of the state layer (not a test). Run:
 *   node --import tsx bench/micro/state.ts
 * Prints ops/s for cached get+put, commits of 10k dirty entries, restore and
 * window-store joins, on a real SQLite file in a temp directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TaskStateManager } from '../../state/task-state-manager.js';
import type { RestoreRecord } from '../../state/types.js';

interface Ctx {
  events: number;
  last: number;
  mood: string;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-state-'));
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;

function open(taskId: string): TaskStateManager {
  return TaskStateManager.open({
    stateDir: dir,
    app: 'bench',
    taskId,
    maxDirtyEntries: 10_000,
    stores: [
      { id: 'ctx', kind: 'key_value', changelogTopic: 'bench-ctx-changelog', ttlMs: 30 * 86_400_000 },
      { id: 'join', kind: 'window', changelogTopic: 'bench-join-changelog', retentionMs: 7_200_000, windowSizeMs: 7_200_000 },
    ],
  });
}

function commit(m: TaskStateManager, offsets: Map<string, number>): number {
  const recs = m.prepareCommit();
  const end: Record<string, number> = {};
  for (const r of recs) {
    const k = `${r.topic}:${r.partition}`;
    const next = (offsets.get(k) ?? 0) + 1;
    offsets.set(k, next);
    end[k] = next;
  }
  m.completeCommit(end);
  return recs.length;
}

function benchGetPut(keys: number, ops: number, label: string): void {
  const m = open(`0_${keys}`);
  const kv = m.keyValueStore<Ctx>('ctx');
  const offsets = new Map<string, number>();
  const names = Array.from({ length: keys }, (_, i) => `user-${i}`);
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const k = names[i % keys];
      const v = kv.get(k);
      kv.put(k, { events: (v?.events ?? 0) + 1, last: i, mood: 'calm' });
      if (m.needsFlush()) commit(m, offsets);
    }
    commit(m, offsets);
  };
  run(Math.min(ops, 50_000)); // warm-up
  const t0 = performance.now();
  run(ops);
  const ms = performance.now() - t0;
  console.log(
    `${label}: ${ops.toLocaleString('en-US')} get+put in ${ms.toFixed(0)} ms → ${rate(ops, ms)} get+put pairs (${rate(2 * ops, ms)} ops), commits included`,
  );
  m.close();
}

/** Commits of 10k dirty entries; keys alternate between two sets so every round updates existing rows. */
function benchFlush(taskId: string, ttl: boolean, readFirst: boolean): void {
  const m = TaskStateManager.open({
    stateDir: dir,
    app: 'bench',
    taskId,
    cacheSize: 30_000,
    stores: [{ id: 'ctx', kind: 'key_value', changelogTopic: 'bench-ctx-changelog', ttlMs: ttl ? 86_400_000 : undefined }],
  });
  const kv = m.keyValueStore<Ctx>('ctx');
  const prep: number[] = [];
  const total: number[] = [];
  for (let round = 0; round < 14; round++) {
    for (let i = 0; i < 10_000; i++) {
      const k = `user-${round % 2}-${i}`;
      const prev = readFirst ? kv.get(k) : undefined;
      kv.put(k, { events: (prev?.events ?? 0) + 1, last: i, mood: 'calm' });
    }
    const t0 = performance.now();
    const recs = m.prepareCommit();
    const t1 = performance.now();
    m.completeCommit({ 'bench-ctx-changelog:0': round + 1 });
    prep.push(t1 - t0);
    total.push(performance.now() - t0);
    if (recs.length !== 10_000) throw new Error(`expected 10000 changelog records, got ${recs.length}`);
  }
  const med = (a: number[]): string =>
    a
      .slice(4)
      .sort((x, y) => x - y)
      [(a.length - 4) >> 1].toFixed(1);
  console.log(
    `commit of 10,000 dirty entries (${readFirst ? 'read-then-write' : 'blind writes'}, ${ttl ? 'with' : 'no'} TTL index): median ${med(total)} ms (prepareCommit ${med(prep)} ms: JSON + changelog records; completeCommit the rest: one SQLite transaction)`,
  );
  m.close();
}

/** The floor: the same 10k rows written by bare better-sqlite3, to read the numbers above against this machine. */
function benchRawSqlite(): void {
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (k TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL, ts INTEGER NOT NULL) WITHOUT ROWID');
  const st = db.prepare('INSERT OR REPLACE INTO t (k, v, ts) VALUES (?, ?, ?)');
  const times: number[] = [];
  for (let round = 0; round < 12; round++) {
    const t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) st.run(`user-${round % 2}-${i}`, JSON.stringify({ events: round, last: i, mood: 'calm' }), i);
    })();
    times.push(performance.now() - t0);
  }
  const steady = times.slice(2).sort((a, b) => a - b);
  console.log(`  baseline: 10,000 bare INSERT OR REPLACE in one transaction (no cache, no changelog): median ${steady[steady.length >> 1].toFixed(2)} ms`);
  db.close();
}

function benchRestore(): void {
  const n = 200_000;
  const m = open('2_0');
  const t0 = performance.now();
  for (let off = 0; off < n; off += 1000) {
    const batch: RestoreRecord[] = [];
    for (let i = off; i < off + 1000; i++)
      batch.push({ key: `user-${i % 50_000}`, value: Buffer.from(`{"events":${i},"last":${i},"mood":"calm"}`), offset: i, timestamp: i });
    m.restoreBatch('bench-ctx-changelog', 0, batch);
  }
  const ms = performance.now() - t0;
  console.log(
    `restore: ${n.toLocaleString('en-US')} changelog records in batches of 1000 → ${rate(n, ms)} (${m.keyValueStore('ctx').approximateCount()} rows)`,
  );
  m.close();
}

function benchWindowJoin(): void {
  const m = open('3_0');
  const w = m.windowStore<{ v: number }>('join');
  const offsets = new Map<string, number>();
  const n = 200_000;
  const t0 = performance.now();
  let found = 0;
  for (let i = 0; i < n; i++) {
    const key = `user-${i % 2000}`;
    const ts = i * 1000; // each key every ~33 min: a handful of matches in the 2 h window
    w.put(key, ts, { v: i });
    found += w.fetch(key, ts - 7_200_000, ts).length;
    if (m.needsFlush()) commit(m, offsets);
    if (i % 20_000 === 0) m.purgeExpired(ts);
  }
  commit(m, offsets);
  const ms = performance.now() - t0;
  console.log(`window store put+fetch (join-like, 2000 keys, purge every 20k): ${rate(n, ms)} records (avg ${(found / n).toFixed(1)} matches per fetch)`);
  m.close();
}

try {
  benchGetPut(1_000, 2_000_000, 'get+put, 1,000 hot keys (cache hits)');
  benchGetPut(200_000, 1_000_000, 'get+put, 200,000 keys (cache misses read SQLite)');
  benchFlush('1_0', false, true);
  benchFlush('1_1', true, true);
  benchFlush('1_2', false, false);
  benchRawSqlite();
  benchRestore();
  benchWindowJoin();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
