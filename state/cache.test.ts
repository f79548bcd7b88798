import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { commit, KV, MemoryLog, openTask, tempStateDir, WIN } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { StoreRegistration } from './types.js';

const LOCAL: StoreRegistration = { id: 'local', kind: 'key_value', changelogTopic: null };

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, [KV, WIN, LOCAL], { maxDirtyEntries: 5 });
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

/** Reads a store table through a second connection: what is really on disk. */
function diskRows(table: string): Array<{ k: string; v: string }> {
  const db = new Database(m.dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT k, v FROM "${table}" ORDER BY k`).all() as Array<{ k: string; v: string }>;
  } finally {
    db.close();
  }
}

describe('write-merging cache', () => {
  it('N puts of one key become one changelog record and one row write', () => {
    const kv = m.keyValueStore<{ n: number }>('ctx');
    for (let n = 1; n <= 1000; n++) kv.put('u1', { n });
    expect(diskRows('kv_ctx')).toEqual([]); // nothing written before the commit
    const before = m.stats.rowsWritten;
    const recs = commit(m, log);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ topic: 'test-ctx-changelog', partition: 2, key: 'u1' });
    expect(JSON.parse(recs[0].value!.toString('utf8'))).toEqual({ n: 1000 });
    expect(m.stats.rowsWritten - before).toBe(1);
    expect(diskRows('kv_ctx')).toEqual([{ k: 'u1', v: '{"n":1000}' }]);
  });

  it('a put then delete of a new key between commits is one tombstone and no row', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('tmp', 1);
    kv.put('tmp', 2);
    kv.delete('tmp');
    expect(commit(m, log)).toEqual([expect.objectContaining({ key: 'tmp', value: null })]);
    expect(diskRows('kv_ctx')).toEqual([]);
  });

  it('serves repeated reads from the cache', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    commit(m, log);
    kv.get('missing'); // miss, then cached as absent
    for (let i = 0; i < 10; i++) {
      expect(kv.get('a')).toBe(1);
      expect(kv.get('missing')).toBeUndefined();
    }
    const ctx = m.metrics().find((x) => x.store === 'ctx')!;
    expect(ctx.cacheMisses).toBe(1);
    expect(ctx.cacheHits).toBe(20);
  });

  it('stores without a changelog write rows but produce no records', () => {
    m.keyValueStore<number>('local').put('x', 1);
    expect(commit(m, log)).toEqual([]);
    expect(diskRows('kv_local')).toEqual([{ k: 'x', v: '1' }]);
  });

  it('needsFlush turns true at maxDirtyEntries distinct dirty keys across stores, false after commit', () => {
    const kv = m.keyValueStore<number>('ctx');
    const w = m.windowStore<number>('join_left');
    for (let i = 0; i < 100; i++) kv.put('same', i); // one dirty entry however many puts
    kv.put('b', 1);
    w.put('u', 0, 1);
    w.put('u', 10, 1);
    expect(m.dirtyCount()).toBe(4);
    expect(m.needsFlush()).toBe(false);
    m.keyValueStore<number>('local').put('c', 1);
    expect(m.needsFlush()).toBe(true);
    commit(m, log);
    expect(m.dirtyCount()).toBe(0);
    expect(m.needsFlush()).toBe(false);
  });

  it('flushes every store of the task in one SQLite transaction: a failure writes nothing', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('ok', 1);
    commit(m, log);
    const checkpointBefore = m.checkpoint();

    // Make the second store's write fail inside the commit transaction.
    const side = new Database(m.dbPath);
    side.exec(`CREATE TRIGGER boom BEFORE INSERT ON "kv_local" WHEN NEW.k = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    side.close();

    kv.put('ok', 2);
    kv.put('new', 3);
    m.keyValueStore<number>('local').put('boom', 1);
    const records = m.prepareCommit();
    expect(records).toHaveLength(2);
    let thrown: unknown;
    try {
      m.completeCommit(log.append(records));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AuraError);
    expect((thrown as AuraError).code).toBe('STORE_FAILED');
    expect(diskRows('kv_ctx')).toEqual([{ k: 'ok', v: '1' }]);
    expect(m.checkpoint()).toEqual(checkpointBefore);
    // the cache was dropped: the store shows what SQLite holds (restore would catch up from the log)
    expect(kv.get('ok')).toBe(1);
    expect(kv.get('new')).toBeUndefined();
  });
});
