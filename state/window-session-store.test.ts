import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { commit, MemoryLog, openTask, SES, tempStateDir, WIN } from '../testing/support/state.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { SessionEntry, WindowedEntry } from './types.js';

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, [WIN, SES]);
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

const starts = (xs: Array<WindowedEntry<unknown>>): number[] => xs.map((x) => x.windowStart);
const spans = (xs: Array<SessionEntry<unknown>>): string[] => xs.map((x) => `${x.key}:${x.start}-${x.end}`);

describe('window store', () => {
  it('puts, gets and deletes by (key, windowStart)', () => {
    const w = m.windowStore<string>('join_left');
    w.put('u1', 100, 'a');
    w.put('u1', 200, 'b');
    w.put('u2', 100, 'c');
    expect(w.get('u1', 100)).toBe('a');
    expect(w.get('u1', 150)).toBeUndefined();
    commit(m, log);
    w.delete('u1', 100);
    expect(w.get('u1', 100)).toBeUndefined();
    expect(w.get('u2', 100)).toBe('c');
    commit(m, log);
    expect(w.get('u1', 100)).toBeUndefined();
    expect(w.approximateCount()).toBe(2);
  });

  it('fetch is inclusive on both bounds, oldest first, merging SQLite and the cache', () => {
    const w = m.windowStore<number>('join_left');
    for (const t of [300, 100, 500, 200]) w.put('u1', t, t);
    w.put('u2', 300, -1);
    commit(m, log);
    w.put('u1', 400, 400); // dirty, new
    w.put('u1', 300, 301); // dirty overwrite
    w.delete('u1', 200); // dirty delete
    expect(starts(w.fetch('u1', 100, 400))).toEqual([100, 300, 400]);
    expect(w.fetch('u1', 300, 300)).toEqual([{ key: 'u1', windowStart: 300, value: 301 }]);
    expect(starts(w.fetch('u1', 101, 299))).toEqual([]);
    expect(starts(w.fetch('u1', -Infinity, Infinity))).toEqual([100, 300, 400, 500]);
    expect(w.fetch('nobody', 0, 1000)).toEqual([]);
  });

  it('fetchAll returns every key in the time range, by window start then key', () => {
    const w = m.windowStore<string>('join_left');
    w.put('b', 100, 'b100');
    w.put('a', 200, 'a200');
    commit(m, log);
    w.put('a', 100, 'a100');
    w.put('c', 300, 'c300');
    expect(w.fetchAll(100, 200).map((e) => e.value)).toEqual(['a100', 'b100', 'a200']);
    expect(w.fetchAll(0, 1000).map((e) => e.value)).toEqual(['a100', 'b100', 'a200', 'c300']);
    expect(w.fetchAll(201, 299)).toEqual([]);
  });

  it('rejects non-integer window starts', () => {
    const w = m.windowStore('join_left');
    expect(() => w.put('u1', 1.5, 1)).toThrow(AuraError);
    expect(() => w.put('u1', Number.NaN, 1)).toThrow(/integer/);
  });
});

describe('session store', () => {
  it('findSessions returns sessions overlapping [earliestEnd, latestStart], bounds inclusive', () => {
    const s = m.sessionStore<number>('sessions');
    s.put('u1', 0, 10, 1);
    s.put('u1', 20, 30, 2);
    s.put('u1', 40, 50, 3);
    s.put('u2', 0, 100, 9);
    commit(m, log);
    expect(spans(s.findSessions('u1', 10, 40))).toEqual(['u1:0-10', 'u1:20-30', 'u1:40-50']);
    expect(spans(s.findSessions('u1', 11, 39))).toEqual(['u1:20-30']);
    expect(spans(s.findSessions('u1', 31, 39))).toEqual([]);
    expect(spans(s.findSessions('u1', 50, 50))).toEqual(['u1:40-50']);
    expect(spans(s.findSessions('u1', 51, 1000))).toEqual([]);
    expect(spans(s.findSessions('u2', 50, 60))).toEqual(['u2:0-100']);
  });

  it('merges unflushed puts and removes into findSessions', () => {
    const s = m.sessionStore<string>('sessions');
    s.put('u1', 0, 10, 'a');
    s.put('u1', 20, 30, 'b');
    commit(m, log);
    // merge two sessions into one, as a session aggregation does
    s.remove('u1', 0, 10);
    s.remove('u1', 20, 30);
    s.put('u1', 0, 35, 'ab');
    expect(s.findSessions('u1', 0, 100)).toEqual([{ key: 'u1', start: 0, end: 35, value: 'ab' }]);
    commit(m, log);
    expect(s.findSessions('u1', 0, 100)).toEqual([{ key: 'u1', start: 0, end: 35, value: 'ab' }]);
    expect(s.approximateCount()).toBe(1);
  });

  it('keeps two sessions with the same start and different ends apart', () => {
    const s = m.sessionStore<string>('sessions');
    s.put('u1', 5, 6, 'short');
    s.put('u1', 5, 60, 'long');
    commit(m, log);
    expect(s.findSessions('u1', 0, 100).map((e) => e.value)).toEqual(['short', 'long']);
    expect(s.findSessions('u1', 7, 100).map((e) => e.value)).toEqual(['long']);
  });

  it('rejects end < start', () => {
    expect(() => m.sessionStore('sessions').put('u1', 10, 5, 1)).toThrow(/end 5 < start 10/);
  });
});
