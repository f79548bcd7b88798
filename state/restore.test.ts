import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { commit, KV, MemoryLog, openTask, restoreAll, SES, tempStateDir, WIN } from '../testing/support/state.js';
import { TaskStateManager } from './task-state-manager.js';
import type { StoreRegistration } from './types.js';

const STORES = [KV, WIN, SES];
let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, STORES);
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

/** Everything the three stores hold, in a comparable form. */
function content(t: TaskStateManager): unknown {
  const sessions = t.sessionStore('sessions');
  return {
    kv: t.keyValueStore('ctx').all(),
    win: t.windowStore('join_left').fetchAll(-Infinity, Infinity),
    ses: ['u1', 'u2', 'u3'].map((k) => sessions.findSessions(k, -Infinity, Infinity)),
    counts: ['ctx', 'join_left', 'sessions'].map((s) => t.store(s).approximateCount()),
  };
}

/** Several commits of puts, overwrites and deletes over the three stores. */
function buildState(t: TaskStateManager, rounds: number, seed = 0): void {
  const kv = t.keyValueStore<{ n: number; tags: string[] }>('ctx');
  const w = t.windowStore<number>('join_left');
  const s = t.sessionStore<string>('sessions');
  for (let r = seed; r < seed + rounds; r++) {
    for (let i = 0; i < 20; i++) {
      const u = `u${(i * 7 + r) % 13}`;
      kv.put(u, { n: r * 100 + i, tags: [`r${r}`, 'ü"\\'] });
      w.put(`u${i % 3}`, (r * 20 + i) * 10, i);
    }
    kv.delete(`u${r % 13}`);
    w.delete('u1', r * 200);
    s.put(`u${(r % 3) + 1}`, r * 100, r * 100 + 50, `s${r}`);
    if (r % 2 === 1) s.remove(`u${(r % 3) + 1}`, (r - 1) * 100, (r - 1) * 100 + 50);
    commit(t, log);
  }
}

describe('restore', () => {
  it('rebuilds identical content from the changelog after the database file is deleted', () => {
    buildState(m, 6);
    const expected = content(m);
    const logged = ['test-ctx-changelog', 'test-join_left-changelog', 'test-sessions-changelog'].reduce((n, t) => n + log.endOffset(t, 2), 0);
    m.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(m.dbPath + suffix, { force: true });

    m = openTask(tmp.dir, STORES);
    expect(m.isNewDatabase).toBe(true);
    expect(m.restorePlan().map((p) => p.fromOffset)).toEqual([0, 0, 0]);
    expect(m.keyValueStore('ctx').all()).toEqual([]);
    const restored = restoreAll(m, log, 7);
    expect(restored).toBe(logged);
    expect(m.restoredRecords).toBe(logged);
    expect(content(m)).toEqual(expected);
    expect(m.checkpoint()).toEqual({
      'test-ctx-changelog:2': log.endOffset('test-ctx-changelog', 2),
      'test-join_left-changelog:2': log.endOffset('test-join_left-changelog', 2),
      'test-sessions-changelog:2': log.endOffset('test-sessions-changelog', 2),
    });
    // restored state survives a reopen, and a second restore has nothing to do
    m.close();
    m = openTask(tmp.dir, STORES);
    expect(content(m)).toEqual(expected);
    expect(restoreAll(m, log)).toBe(0);
  });

  it('catches up when SQLite is behind the log (crash between the log commit and completeCommit)', () => {
    buildState(m, 3);
    const committedLocally = content(m);
    // Commit 4: prepared and produced to the log, but the process dies before completeCommit.
    buildStateWithoutComplete(m);
    const expected = content(m);
    expect(expected).not.toEqual(committedLocally);
    m.close();

    m = openTask(tmp.dir, STORES);
    expect(content(m)).toEqual(committedLocally);
    const plan = m.restorePlan();
    expect(plan.find((p) => p.storeId === 'ctx')!.fromOffset).toBeGreaterThan(0);
    const gap = plan.reduce((n, p) => n + log.read(p.topic, p.partition, p.fromOffset).length, 0);
    expect(restoreAll(m, log)).toBe(gap);
    expect(content(m)).toEqual(expected);
  });

  it('replaying an already applied batch changes nothing and does not rewind the checkpoint', () => {
    buildState(m, 2);
    const expected = content(m);
    const cp = m.checkpoint();
    m.restoreBatch('test-ctx-changelog', 2, log.read('test-ctx-changelog', 2, 0).slice(0, 5));
    expect(m.checkpoint()).toEqual(cp);
    // the first five records are older values: replaying them alone would differ, the full replay converges
    m.restoreBatch('test-ctx-changelog', 2, log.read('test-ctx-changelog', 2, 5));
    expect(content(m)).toEqual(expected);
  });

  it('makes restored rows visible through a warm cache', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    commit(m, log);
    expect(kv.get('a')).toBe(1); // cached
    m.restoreBatch('test-ctx-changelog', 2, [
      { key: 'a', value: Buffer.from('2'), offset: 1 },
      { key: 'b', value: Buffer.from('3'), offset: 2 },
    ]);
    expect(kv.get('a')).toBe(2);
    expect(kv.approximateCount()).toBe(2);
  });

  it('rejects unknown topics and malformed keys, leaving the checkpoint untouched', () => {
    expect(() => m.restoreBatch('nope', 2, [{ key: 'a', value: null, offset: 0 }])).toThrow(AuraError);
    const bad = [
      { key: '["ok",1]', value: Buffer.from('1'), offset: 0 },
      { key: 'not-a-window-key', value: Buffer.from('1'), offset: 1 },
    ];
    let thrown: unknown;
    try {
      m.restoreBatch('test-join_left-changelog', 2, bad);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as AuraError).code).toBe('RESTORE_FAILED');
    expect(m.checkpoint()).toEqual({});
    expect(m.windowStore('join_left').get('ok', 1)).toBeUndefined(); // the whole batch rolled back
  });

  it('materialises a table store from its source topic and resumes from its checkpoint', () => {
    const table: StoreRegistration = {
      id: 'latest',
      kind: 'key_value',
      changelogTopic: null,
      fromTopic: 'context_aggregated',
      sourceTopic: 'aura360.context.aggregated',
    };
    m.close();
    m = openTask(tmp.dir, [KV, table]);
    const produce = (key: string, v: unknown): void => {
      log.append([{ topic: 'aura360.context.aggregated', partition: 2, key, value: v === null ? null : Buffer.from(JSON.stringify(v)), timestamp: 1 }]);
    };
    produce('u1', { mood: 'calm' });
    produce('u2', { mood: 'tired' });
    produce('u1', { mood: 'happy' });
    expect(m.restorePlan().find((p) => p.storeId === 'latest')).toEqual({
      storeId: 'latest',
      topic: 'aura360.context.aggregated',
      partition: 2,
      fromOffset: 0,
      table: true,
    });
    expect(restoreAll(m, log)).toBe(3);
    expect(m.keyValueStore('latest').all()).toEqual([
      ['u1', { mood: 'happy' }],
      ['u2', { mood: 'tired' }],
    ]);

    produce('u2', null); // tombstone
    produce('u3', { mood: 'ok' });
    m.close();
    m = openTask(tmp.dir, [KV, table]);
    expect(m.restorePlan().find((p) => p.storeId === 'latest')!.fromOffset).toBe(3);
    expect(restoreAll(m, log)).toBe(2);
    expect(m.keyValueStore('latest').all()).toEqual([
      ['u1', { mood: 'happy' }],
      ['u3', { mood: 'ok' }],
    ]);
    expect(() => m.restoreFromTable('ctx', [])).toThrow(/not a table/);
  });

  it('wipe deletes the task directory so the next open starts from scratch', () => {
    buildState(m, 1);
    m.close();
    TaskStateManager.wipe(tmp.dir, 'test', '0_2');
    expect(fs.existsSync(m.dir)).toBe(false);
    m = openTask(tmp.dir, STORES);
    expect(m.isNewDatabase).toBe(true);
    expect(m.checkpoint()).toEqual({});
  });
});

/** One more round of writes whose changelog reaches the log but whose completeCommit never runs. */
function buildStateWithoutComplete(t: TaskStateManager): void {
  const kv = t.keyValueStore<unknown>('ctx');
  kv.put('u1', { n: -1, tags: ['late'] });
  kv.delete('u2');
  kv.put('u99', { n: 99, tags: [] });
  t.windowStore<number>('join_left').put('u0', 5, 5);
  t.sessionStore<string>('sessions').put('u3', 9000, 9100, 'late');
  log.append(t.prepareCommit());
}
