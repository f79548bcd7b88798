import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, KV, MemoryLog, openTask, SES, tempStateDir, WIN } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, [KV, WIN, SES]);
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

describe('commit protocol', () => {
  it('prepare returns the changes, complete persists rows and the checkpoint together', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    m.windowStore<number>('join_left').put('a', 100, 7);
    m.sessionStore<number>('sessions').put('a', 1, 9, 3);
    const recs = m.prepareCommit();
    expect(recs.map((r) => `${r.topic}|${r.key}`).sort()).toEqual([
      'test-ctx-changelog|a',
      'test-join_left-changelog|["a",100]',
      'test-sessions-changelog|["a",1,9]',
    ]);
    m.completeCommit({ ...log.append(recs), 'input-topic:2': 42 });
    expect(m.checkpoint()).toEqual({
      'input-topic:2': 42,
      'test-ctx-changelog:2': 1,
      'test-join_left-changelog:2': 1,
      'test-sessions-changelog:2': 1,
    });
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES]);
    expect(m.keyValueStore('ctx').get('a')).toBe(1);
    expect(m.windowStore('join_left').get('a', 100)).toBe(7);
    expect(m.sessionStore('sessions').findSessions('a', 0, 100)).toHaveLength(1);
    expect(m.checkpoint()['test-ctx-changelog:2']).toBe(1);
  });

  it('abortCommit reverts every store to what SQLite holds', () => {
    const kv = m.keyValueStore<{ n: number }>('ctx');
    const w = m.windowStore<number>('join_left');
    kv.put('a', { n: 1 });
    kv.put('b', { n: 2 });
    w.put('a', 100, 1);
    commit(m, log);

    kv.put('a', { n: 10 });
    kv.delete('b');
    kv.put('c', { n: 3 });
    w.put('a', 100, 99);
    w.put('a', 200, 2);
    m.prepareCommit();
    kv.put('d', { n: 4 }); // written while the log transaction is in flight: dropped too
    m.abortCommit();

    expect(kv.all()).toEqual([
      ['a', { n: 1 }],
      ['b', { n: 2 }],
    ]);
    expect(kv.get('c')).toBeUndefined();
    expect(kv.get('d')).toBeUndefined();
    expect(w.fetch('a', 0, 1000)).toEqual([{ key: 'a', windowStart: 100, value: 1 }]);
    expect(kv.approximateCount()).toBe(2);
    expect(m.prepareCommit()).toEqual([]); // nothing left to log
    m.completeCommit({});
  });

  it('abortCommit also undoes in-place mutation of a cached value', () => {
    const kv = m.keyValueStore<{ events: number[] }>('ctx');
    kv.put('u', { events: [1] });
    commit(m, log);
    kv.get('u')!.events.push(2); // a processor mutating what it read, without putting it back
    kv.put('v', { events: [] });
    m.prepareCommit();
    m.abortCommit();
    expect(kv.get('u')).toEqual({ events: [1] });
    expect(kv.get('v')).toBeUndefined();
  });

  it('writes made between prepare and complete belong to the next commit', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    const first = m.prepareCommit();
    kv.put('a', 2); // same key, rewritten while pinned
    kv.put('b', 1);
    m.completeCommit(log.append(first));
    expect(kv.get('a')).toBe(2);
    const second = m.prepareCommit();
    expect(second.map((r) => [r.key, r.value!.toString()])).toEqual([
      ['a', '2'],
      ['b', '1'],
    ]);
    m.completeCommit(log.append(second));
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES]);
    expect(m.keyValueStore('ctx').all()).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('refuses a third prepare before complete or abort (two commits under way at most)', () => {
    m.prepareCommit();
    m.prepareCommit();
    expect(() => m.prepareCommit()).toThrow(/2 prepared commits not completed/);
    m.abortCommit();
    expect(() => m.prepareCommit()).not.toThrow();
  });

  it('completeCommit without prepare writes the checkpoint only', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    m.completeCommit({ 'input-topic:2': 7 });
    expect(m.checkpoint()).toEqual({ 'input-topic:2': 7 });
    expect(m.dirtyCount()).toBe(1);
    expect(commit(m, log)).toHaveLength(1);
  });

  it('a value JSON cannot hold fails prepareCommit, naming store and key, and aborts the commit', () => {
    const kv = m.keyValueStore<unknown>('ctx');
    kv.put('a', 1);
    commit(m, log);
    kv.put('a', 2);
    kv.put('bad', { n: 10n });
    expect(() => m.prepareCommit()).toThrow(/store ctx: value of key bad is not JSON-serialisable/);
    expect(kv.get('a')).toBe(1);
    expect(kv.get('bad')).toBeUndefined();
    expect(m.prepareCommit()).toEqual([]);
    m.completeCommit({});
  });

  it('rejects malformed offset keys', () => {
    expect(() => m.completeCommit({ 'no-partition': 1 })).toThrow(/topic:partition/);
  });

  it('the checkpoint survives reopening and closing discards uncommitted state', () => {
    m.keyValueStore<number>('ctx').put('a', 1);
    commit(m, log);
    m.keyValueStore<number>('ctx').put('a', 2);
    m.prepareCommit(); // the process "dies" here
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES]);
    expect(m.checkpoint()).toEqual({ 'test-ctx-changelog:2': 1 });
    expect(m.keyValueStore('ctx').get('a')).toBe(1);
    expect(m.restorePlan().find((p) => p.storeId === 'ctx')).toEqual({
      storeId: 'ctx',
      topic: 'test-ctx-changelog',
      partition: 2,
      fromOffset: 1,
      table: false,
    });
  });
});

/** Overlapping transactions (runtime/commit-pipeline.ts): commit N+1 prepared before N completed. */
describe('two prepared commits', () => {
  /** Reads enough other keys to evict every clean entry of a 2-entry cache: what is read next comes from SQLite unless unflushed. */
  function evictClean(kv: ReturnType<TaskStateManager['keyValueStore']>): void {
    for (let i = 0; i < 6; i++) kv.get(`other-${i}`);
  }

  for (const writeBehind of [false, true]) {
    it(`keeps the second commit's writes apart until it completes, and drops them on abort (${writeBehind ? 'write-behind' : 'write-through'})`, () => {
      m.close();
      m = openTask(tmp.dir, [KV, WIN, SES], { cacheSize: 2, ...(writeBehind ? { stateFlushIntervalMs: 60_000 } : {}) });
      const kv = m.keyValueStore<number>('ctx');
      kv.put('a', 1);
      const first = m.prepareCommit();
      kv.put('a', 2);
      kv.put('b', 1);
      const second = m.prepareCommit();
      expect(second.map((r) => [r.key, r.value!.toString()])).toEqual([
        ['a', '2'],
        ['b', '1'],
      ]);
      m.completeCommit(log.append(first));
      if (writeBehind) m.writeCommitted(); // the first commit's rows reach SQLite while the second is under way
      evictClean(kv);
      // Held by the second prepared commit: still its value, never SQLite's (1) nor evicted.
      expect(kv.get('a')).toBe(2);
      expect(kv.get('b')).toBe(1);
      m.abortCommit(); // the second transaction failed: its writes are gone, the first one's stay
      evictClean(kv);
      expect(kv.get('a')).toBe(1);
      expect(kv.get('b')).toBeUndefined();
      m.close();
      m = openTask(tmp.dir, [KV, WIN, SES]);
      expect(m.keyValueStore('ctx').all()).toEqual([['a', 1]]);
    });

    it(`completes two prepared commits oldest first, with the checkpoint of each (${writeBehind ? 'write-behind' : 'write-through'})`, () => {
      m.close();
      m = openTask(tmp.dir, [KV, WIN, SES], { cacheSize: 2, ...(writeBehind ? { stateFlushIntervalMs: 60_000 } : {}) });
      const kv = m.keyValueStore<number>('ctx');
      kv.put('a', 1);
      kv.put('c', 1);
      const first = m.prepareCommit();
      kv.put('a', 2);
      kv.delete('c');
      const second = m.prepareCommit();
      kv.put('a', 3); // the third commit's, still dirty
      m.completeCommit({ ...log.append(first), 'input-topic:2': 10 });
      if (writeBehind) m.writeCommitted();
      expect(m.checkpoint()).toMatchObject({ 'input-topic:2': 10, 'test-ctx-changelog:2': 2 });
      m.completeCommit({ ...log.append(second), 'input-topic:2': 20 });
      m.writeCommitted();
      expect(m.checkpoint()).toMatchObject({ 'input-topic:2': 20, 'test-ctx-changelog:2': 4 });
      evictClean(kv);
      expect(kv.get('a')).toBe(3);
      expect(kv.get('c')).toBeUndefined();
      m.abortCommit(); // the third commit: back to the second one's state
      expect(kv.get('a')).toBe(2);
      m.close();
      m = openTask(tmp.dir, [KV, WIN, SES]);
      expect(m.keyValueStore('ctx').all()).toEqual([['a', 2]]);
    });
  }

  it('a failed prepare leaves the commit under way intact: it completes, and the task is aborted after it', () => {
    const kv = m.keyValueStore<unknown>('ctx');
    kv.put('a', 1);
    const first = m.prepareCommit();
    kv.put('bad', { n: 10n });
    expect(() => m.prepareCommit()).toThrow();
    m.completeCommit(log.append(first));
    m.abortCommit();
    expect(kv.get('a')).toBe(1);
    m.close();
    m = openTask(tmp.dir, [KV, WIN, SES]);
    expect(m.keyValueStore('ctx').get('a')).toBe(1);
  });

  it('a commit under way does not complete after a failed state write (its checkpoint would get ahead of the data)', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    const first = m.prepareCommit();
    (m as unknown as { db: { close(): void } }).db.close(); // SQLite fails from here on
    expect(() => m.completeCommit(log.append(first))).toThrow(/state commit failed/);
    expect(() => m.completeCommit({ 'input-topic:2': 5 })).toThrow(/earlier state write failed/);
  });
});
