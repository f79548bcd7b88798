import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { commit, KV, MemoryLog, openTask, tempStateDir } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, [KV]);
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

describe('key-value store', () => {
  it('gets, puts and deletes, before and after a commit', () => {
    const kv = m.keyValueStore<{ n: number }>('ctx');
    expect(kv.get('u1')).toBeUndefined();
    kv.put('u1', { n: 1 });
    kv.put('u2', { n: 2 });
    expect(kv.get('u1')).toEqual({ n: 1 });
    commit(m, log);
    kv.delete('u2');
    expect(kv.get('u2')).toBeUndefined();
    expect(kv.get('u1')).toEqual({ n: 1 });
    commit(m, log);
    expect(kv.get('u2')).toBeUndefined();
  });

  it('treats put(key, null) as a delete, like Kafka Streams', () => {
    const kv = m.keyValueStore<unknown>('ctx');
    kv.put('u1', 1);
    commit(m, log);
    kv.put('u1', null);
    const recs = commit(m, log);
    expect(recs).toEqual([expect.objectContaining({ key: 'u1', value: null })]);
    expect(kv.get('u1')).toBeUndefined();
  });

  it('persists committed writes and drops uncommitted ones across reopen', () => {
    const kv = m.keyValueStore<string>('ctx');
    kv.put('kept', 'yes');
    commit(m, log);
    kv.put('lost', 'no');
    m.close();
    m = openTask(tmp.dir, [KV]);
    expect(m.isNewDatabase).toBe(false);
    const again = m.keyValueStore<string>('ctx');
    expect(again.get('kept')).toBe('yes');
    expect(again.get('lost')).toBeUndefined();
  });

  it('range is inclusive on both bounds and merges unflushed writes in key order', () => {
    const kv = m.keyValueStore<number>('ctx');
    for (const k of ['a', 'b', 'c', 'd', 'e']) kv.put(k, k.charCodeAt(0));
    commit(m, log);
    kv.put('bb', 1); // new, dirty
    kv.put('c', 99); // overwrite of a committed row
    kv.delete('d'); // delete of a committed row
    kv.put('f', 2); // outside the range
    expect(kv.range('b', 'e')).toEqual([
      ['b', 98],
      ['bb', 1],
      ['c', 99],
      ['e', 101],
    ]);
    expect(kv.range('c', 'c')).toEqual([['c', 99]]);
    expect(kv.range('x', 'z')).toEqual([]);
    expect(kv.all().map(([k]) => k)).toEqual(['a', 'b', 'bb', 'c', 'e', 'f']);
  });

  it('range sees writes that are prepared but not yet completed', () => {
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    commit(m, log);
    kv.put('b', 2);
    m.prepareCommit();
    kv.put('c', 3); // after prepare: belongs to the next commit
    expect(kv.all()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(kv.get('b')).toBe(2);
    m.completeCommit({});
    expect(kv.all()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('all() is a snapshot: mutating the store while iterating is safe', () => {
    const kv = m.keyValueStore<number>('ctx');
    for (let i = 0; i < 5; i++) kv.put(`k${i}`, i);
    commit(m, log);
    for (const [k, v] of kv.all()) {
      kv.delete(k);
      kv.put(`${k}-copy`, v * 10);
    }
    expect(kv.all()).toEqual([
      ['k0-copy', 0],
      ['k1-copy', 10],
      ['k2-copy', 20],
      ['k3-copy', 30],
      ['k4-copy', 40],
    ]);
  });

  it('approximateCount follows puts and deletes, committed or not', () => {
    const kv = m.keyValueStore<number>('ctx');
    expect(kv.approximateCount()).toBe(0);
    for (let i = 0; i < 10; i++) kv.put(`k${i}`, i);
    expect(kv.approximateCount()).toBe(10);
    commit(m, log);
    expect(kv.approximateCount()).toBe(10);
    kv.delete('k0');
    kv.put('k1', 100); // overwrite: no change
    kv.put('new', 1);
    expect(kv.approximateCount()).toBe(10);
    commit(m, log);
    expect(kv.approximateCount()).toBe(10);
    // blind writes after reopen (nothing cached) are counted right too
    m.close();
    m = openTask(tmp.dir, [KV]);
    const again = m.keyValueStore<number>('ctx');
    again.put('k5', 55);
    again.put('another', 1);
    again.delete('k6');
    again.delete('never-existed');
    expect(again.approximateCount()).toBe(10);
    commit(m, log);
    expect(again.approximateCount()).toBe(10);
  });

  it('reads back correctly after the clean cache evicts entries', () => {
    m.close();
    m = openTask(tmp.dir, [KV], { cacheSize: 10 });
    const kv = m.keyValueStore<number>('ctx');
    for (let i = 0; i < 100; i++) kv.put(`k${i}`, i);
    commit(m, log);
    for (let i = 0; i < 100; i++) expect(kv.get(`k${i}`)).toBe(i);
    for (let i = 0; i < 100; i++) kv.put(`k${i}`, i + 1000); // blind overwrites of evicted keys
    commit(m, log);
    for (let i = 0; i < 100; i += 7) expect(kv.get(`k${i}`)).toBe(i + 1000);
    expect(kv.approximateCount()).toBe(100);
  });

  it('rejects unknown stores and kind mismatches with STORE_FAILED', () => {
    expect(() => m.keyValueStore('nope')).toThrow(/unknown store nope; this task has: ctx/);
    expect(() => m.windowStore('ctx')).toThrow(AuraError);
    let thrown: unknown;
    try {
      m.sessionStore('ctx');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AuraError);
    expect((thrown as AuraError).code).toBe('STORE_FAILED');
    expect(() => m.register(KV)).toThrow(/registered twice/);
  });
});
