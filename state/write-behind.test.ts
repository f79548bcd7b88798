/**
 * Write-behind (task-state-manager.ts header): committed state stays in the
 * stores' caches and reaches SQLite, with the checkpoint as of its last
 * commit, only every stateFlushIntervalMs, past maxPendingEntries, on abort
 * (before the uncommitted state is dropped) and on close. A crash in between
 * leaves SQLite behind the changelog; restore replays the gap to exactly the
 * fold. The crash image is a copy of the task's files (database and WAL)
 * taken while the task is open, i.e. what a kill -9 leaves on disk.
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, KV, MemoryLog, openTask, restoreAll, SES, tempStateDir, WIN } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { StoreRegistration } from './types.js';

const HOUR = 3_600_000;
let tmp: ReturnType<typeof tempStateDir>;
let crash: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  crash = tempStateDir();
  m = openTask(tmp.dir, [KV, WIN, SES], { stateFlushIntervalMs: HOUR });
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
  crash.cleanup();
});

/** What SQLite holds for the key-value store, read from outside as `aura store` does. */
function diskKv(dbPath: string): Record<string, unknown> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM "kv_ctx"').raw().all() as Array<[string, string]>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of rows) out[k] = JSON.parse(v);
    return out;
  } finally {
    db.close();
  }
}

/** The task's files as a kill -9 now would leave them, opened as a new task (not restored yet). */
function crashImage(stores: StoreRegistration[] = [KV, WIN, SES]): TaskStateManager {
  fs.cpSync(path.dirname(m.dbPath), path.join(crash.dir, path.relative(tmp.dir, path.dirname(m.dbPath))), { recursive: true });
  return openTask(crash.dir, stores);
}

describe('write-behind local state', () => {
  it('keeps committed state in memory, readable, and writes it with its checkpoint only when due', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    kv.put('b', 2);
    commit(m, log);
    kv.put('a', 3);
    commit(m, log);
    expect(m.pendingCount()).toBe(2);
    expect(m.stats).toMatchObject({ commits: 2, stateWrites: 0 });
    expect(diskKv(m.dbPath)).toEqual({});
    expect(m.checkpoint()).toEqual({});
    expect(kv.get('a')).toBe(3);
    expect(kv.all()).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    expect(kv.approximateCount()).toBe(2);

    m.writeCommitted();
    expect(m.pendingCount()).toBe(0);
    expect(diskKv(m.dbPath)).toEqual({ a: 3, b: 2 });
    expect(m.checkpoint()).toEqual({ 'test-ctx-changelog:2': 3 });
    expect(m.stats).toMatchObject({ commits: 2, stateWrites: 1, rowsWritten: 2 });
  });

  it('restores a crash between commits and the deferred write to exactly the fold, every store kind', () => {
    const kv = m.keyValueStore<{ n: number }>('ctx');
    const w = m.windowStore<number>('join_left');
    const s = m.sessionStore<number>('sessions');
    const fold = new Map<string, number>();
    for (let c = 0; c < 6; c++) {
      for (let i = 0; i < 50; i++) {
        const k = `u${(i * 7 + c) % 13}`;
        const n = (fold.get(k) ?? 0) + i;
        fold.set(k, n);
        kv.put(k, { n });
      }
      if (c === 1) {
        kv.delete('u3');
        fold.delete('u3');
      }
      w.put('a', c * 100, c);
      s.put('a', 0, c, c);
      if (c > 0) s.remove('a', 0, c - 1);
      commit(m, log);
      if (c === 2) m.writeCommitted(); // SQLite holds commits 0..2, the changelog 0..5
    }
    kv.put('u0', { n: -1 }); // uncommitted: lost in the crash, as it must be
    const expected = [...fold].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => [k, { n }]);

    const r = crashImage();
    try {
      expect(r.keyValueStore('ctx').all()).not.toEqual(expected); // behind
      expect(restoreAll(r, log)).toBeGreaterThan(0);
      expect(r.keyValueStore('ctx').all()).toEqual(expected);
      expect(
        r
          .windowStore('join_left')
          .fetchAll(0, 1000)
          .map((e) => [e.windowStart, e.value]),
      ).toEqual([0, 1, 2, 3, 4, 5].map((c) => [c * 100, c]));
      expect(r.sessionStore('sessions').findSessions('a', 0, 1000)).toEqual([{ key: 'a', start: 0, end: 5, value: 5 }]);
      expect(r.checkpoint()['test-ctx-changelog:2']).toBe(log.endOffset('test-ctx-changelog', 2));
    } finally {
      r.close();
    }
  });

  it('an aborted commit writes the committed-unwritten entries before dropping the uncommitted ones', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    kv.put('b', 2);
    commit(m, log);
    kv.put('a', 10);
    kv.delete('b');
    kv.put('c', 3);
    m.prepareCommit(); // the log transaction of this one fails
    kv.put('d', 4);
    m.abortCommit();
    expect(m.pendingCount()).toBe(0);
    expect(kv.get('a')).toBe(1);
    expect(kv.get('b')).toBe(2);
    expect(kv.get('c')).toBeUndefined();
    expect(kv.get('d')).toBeUndefined();
    expect(diskKv(m.dbPath)).toEqual({ a: 1, b: 2 });
    expect(m.checkpoint()).toEqual({ 'test-ctx-changelog:2': 2 });
  });

  it('writes on close, so a revoked task hands over state that needs no restore', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    commit(m, log);
    m.completeCommit({ 'input:2': 7 }); // a commit with no state change still moves the checkpoint
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES], { stateFlushIntervalMs: HOUR });
    expect(m.keyValueStore('ctx').get('a')).toBe(1);
    expect(m.checkpoint()).toEqual({ 'input:2': 7, 'test-ctx-changelog:2': 1 });
    expect(restoreAll(m, log)).toBe(0);
  });

  it('writes when the interval has passed or the pending entries reach their bound', () => {
    m.close();
    m = openTask(tmp.dir, [KV], { stateFlushIntervalMs: HOUR, maxPendingEntries: 3 });
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    kv.put('b', 1);
    commit(m, log);
    expect(m.stats.stateWrites).toBe(0);
    kv.put('c', 1);
    commit(m, log);
    expect(m.stats.stateWrites).toBe(1);
    expect(diskKv(m.dbPath)).toEqual({ a: 1, b: 1, c: 1 });

    m.close();
    m = openTask(tmp.dir, [KV], { stateFlushIntervalMs: 1 });
    const kv2 = m.keyValueStore<number>('ctx');
    kv2.put('a', 2);
    const until = performance.now() + 5;
    while (performance.now() < until); // the interval passes
    commit(m, log);
    expect(diskKv(m.dbPath)).toMatchObject({ a: 2 });
  });

  it('writes between commits once the interval passed (a task whose input stopped), never uncommitted state', () => {
    m.close();
    m = openTask(tmp.dir, [KV], { stateFlushIntervalMs: 20 });
    const kv = m.keyValueStore<number>('ctx');
    const intervalPasses = () => {
      const until = performance.now() + 25;
      while (performance.now() < until);
    };
    kv.put('a', 1);
    intervalPasses();
    commit(m, log); // due: written
    expect(diskKv(m.dbPath)).toEqual({ a: 1 });
    kv.put('a', 2);
    commit(m, log); // within the interval of that write: deferred
    kv.put('b', 9); // not committed
    expect(m.writeCommittedIfDue()).toBe(false);
    expect(diskKv(m.dbPath)).toEqual({ a: 1 });
    intervalPasses(); // and no commit comes
    expect(m.writeCommittedIfDue()).toBe(true);
    expect(diskKv(m.dbPath)).toEqual({ a: 2 });
    expect(m.writeCommittedIfDue()).toBe(false); // nothing left to write
    expect(kv.get('b')).toBe(9); // the uncommitted write is still there, for the next commit
  });

  it('writes committed state before a restore batch, so newer restored records win', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    commit(m, log);
    m.restoreBatch('test-ctx-changelog', 2, [{ key: 'a', value: Buffer.from('2'), offset: 1 }]);
    expect(kv.get('a')).toBe(2);
    expect(m.checkpoint()['test-ctx-changelog:2']).toBe(2);
  });

  it('refuses a malformed offset key at the commit, not at the later write', () => {
    m.keyValueStore<number>('ctx').put('a', 1);
    m.prepareCommit();
    expect(() => m.completeCommit({ 'no-partition': 1 })).toThrow(/topic:partition/);
    expect(m.pendingCount()).toBe(0);
  });

  it('writes through at every commit when a store has no changelog to restore from', () => {
    const local: StoreRegistration = { id: 'ctx', kind: 'key_value', changelogTopic: null };
    m.close();
    m = openTask(tmp.dir, [local], { stateFlushIntervalMs: HOUR });
    m.keyValueStore<number>('ctx').put('a', 1);
    commit(m, log);
    expect(m.pendingCount()).toBe(0);
    expect(diskKv(m.dbPath)).toEqual({ a: 1 });
  });

  it('merges list element rows of several deferred commits of one key', () => {
    interface Doc {
      events: number[];
    }
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    const doc: Doc = { events: [] };
    for (let c = 0; c < 4; c++) {
      doc.events.push(c);
      kv.put('u', doc);
      commit(m, log);
    }
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES], { stateFlushIntervalMs: HOUR });
    expect(m.keyValueStore('ctx').get('u')).toEqual({ events: [0, 1, 2, 3] });
    expect(restoreAll(m, log)).toBe(0);
  });
});
