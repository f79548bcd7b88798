import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, MemoryLog, openTask, restoreAll, tempStateDir } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { StoreRegistration } from './types.js';

const TTL_KV: StoreRegistration = { id: 'user_context', kind: 'key_value', changelogTopic: 'test-user_context-changelog', ttlMs: 1000 };
const PLAIN_KV: StoreRegistration = { id: 'plain', kind: 'key_value', changelogTopic: 'test-plain-changelog' };
const WIN: StoreRegistration = { id: 'join', kind: 'window', changelogTopic: 'test-join-changelog', retentionMs: 500, windowSizeMs: 100 };
const SES: StoreRegistration = { id: 'ses', kind: 'session', changelogTopic: 'test-ses-changelog', retentionMs: 500 };
const STORES = [TTL_KV, PLAIN_KV, WIN, SES];

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;
let clock = 0;

beforeEach(() => {
  tmp = tempStateDir();
  clock = 0;
  m = openTask(tmp.dir, STORES, { now: () => clock });
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

const tombstones = (recs: Array<{ topic: string; key: string; value: Buffer | null }>): string[] =>
  recs
    .filter((r) => r.value === null)
    .map((r) => `${r.topic}|${r.key}`)
    .sort();

describe('TTL and retention', () => {
  it('purges key-value rows not updated within ttl and tombstones them in the changelog', () => {
    const kv = m.keyValueStore<number>('user_context');
    const plain = m.keyValueStore<number>('plain');
    clock = 100;
    kv.put('old', 1);
    kv.put('refreshed', 1);
    plain.put('no-ttl', 1);
    commit(m, log);
    clock = 900;
    kv.put('young', 2);
    commit(m, log);
    clock = 1200;
    kv.put('refreshed', 2); // updated again: its row ts moves forward (still unflushed)

    expect(m.purgeExpired(1500)).toBe(1); // cutoff 500: only 'old' (ts 100)
    expect(kv.get('old')).toBeUndefined();
    const recs = commit(m, log);
    expect(tombstones(recs)).toEqual(['test-user_context-changelog|old']);
    expect(recs.find((r) => r.key === 'old')!.timestamp).toBe(1500);
    expect(kv.all().map(([k]) => k)).toEqual(['refreshed', 'young']);
    expect(plain.get('no-ttl')).toBe(1);
    expect(m.stats.purgedRecords).toBe(1);
  });

  it('purges window rows by window start and sessions by end, relative to the time passed in', () => {
    const w = m.windowStore<number>('join');
    const s = m.sessionStore<number>('ses');
    w.put('u', 100, 1);
    w.put('u', 499, 2);
    w.put('u', 500, 3);
    s.put('u', 0, 499, 1);
    s.put('u', 100, 500, 2);
    commit(m, log);
    w.put('v', 200, 4); // unflushed and already past retention: purged too

    expect(m.purgeExpired(1000)).toBe(4); // cutoff 500
    const recs = commit(m, log);
    expect(tombstones(recs)).toEqual([
      'test-join-changelog|["u",100]',
      'test-join-changelog|["u",499]',
      'test-join-changelog|["v",200]',
      'test-ses-changelog|["u",0,499]',
    ]);
    expect(w.fetchAll(-Infinity, Infinity).map((e) => e.windowStart)).toEqual([500]);
    expect(s.findSessions('u', -Infinity, Infinity).map((e) => e.end)).toEqual([500]);
    expect(m.purgeExpired(1000)).toBe(0);
  });

  it('respects the limit and finishes the rest on later calls', () => {
    const kv = m.keyValueStore<number>('user_context');
    for (let i = 0; i < 25; i++) kv.put(`k${i}`, i);
    commit(m, log);
    expect(m.purgeExpired(5000, 10)).toBe(10);
    expect(m.purgeExpired(5000, 10)).toBe(10); // the first ten are unflushed deletes now: skipped
    expect(m.purgeExpired(5000, 10)).toBe(5);
    expect(m.purgeExpired(5000, 10)).toBe(0);
    expect(tombstones(commit(m, log))).toHaveLength(25);
    expect(kv.approximateCount()).toBe(0);
  });

  it('purged rows stay purged after a restore from the changelog', () => {
    const kv = m.keyValueStore<number>('user_context');
    kv.put('a', 1);
    clock = 2000;
    kv.put('b', 2);
    commit(m, log);
    m.purgeExpired(2500);
    commit(m, log);
    m.destroy();
    m = openTask(tmp.dir, STORES, { now: () => clock });
    restoreAll(m, log);
    expect(m.keyValueStore('user_context').all()).toEqual([['b', 2]]);
  });

  it('restored rows keep their original timestamps for TTL', () => {
    const kv = m.keyValueStore<number>('user_context');
    clock = 100;
    kv.put('old', 1);
    clock = 5000;
    kv.put('new', 1);
    commit(m, log);
    m.destroy();
    clock = 999_999; // restore runs much later: row ts must come from the records
    m = openTask(tmp.dir, STORES, { now: () => clock });
    restoreAll(m, log);
    expect(m.purgeExpired(5500)).toBe(1);
    expect(m.keyValueStore('user_context').all()).toEqual([['new', 1]]);
  });
});
