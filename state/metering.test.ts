import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, KV, MemoryLog, openTask, SES, tempStateDir, WIN } from '../testing/support/state.js';
import { LATENCY_BUCKETS_MS } from './metered-stores.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { StoreMetrics } from './types.js';

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;

beforeEach(() => {
  tmp = tempStateDir();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

const of = (name: string): StoreMetrics => m.metrics().find((x) => x.store === name)!;

describe('metering', () => {
  it('counts operations per store and samples every latency when sampleEvery is 1', () => {
    m = openTask(tmp.dir, [KV, WIN, SES], { latencySampleEvery: 1 });
    const kv = m.keyValueStore<number>('ctx');
    for (let i = 0; i < 7; i++) kv.put(`k${i}`, i);
    for (let i = 0; i < 5; i++) kv.get(`k${i}`);
    kv.delete('k0');
    kv.range('k1', 'k3');
    kv.all();
    const w = m.windowStore<number>('join_left');
    w.put('u', 1, 1);
    w.fetch('u', 0, 10);
    m.sessionStore<number>('sessions').remove('u', 1, 2);

    const c = of('ctx');
    expect([c.puts, c.gets, c.deletes, c.ranges]).toEqual([7, 5, 1, 2]);
    expect(c.kind).toBe('key_value');
    for (const [op, n] of [
      ['put', 7],
      ['get', 5],
      ['delete', 1],
      ['range', 2],
    ] as const) {
      const s = c.latency[op];
      expect(s.count).toBe(n);
      expect(s.buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
      expect(s.buckets.reduce((a, b) => a + b, 0)).toBe(n);
      expect(s.sumMs).toBeGreaterThan(0);
      expect(s.maxMs).toBeLessThanOrEqual(s.sumMs);
    }
    expect([of('join_left').puts, of('join_left').ranges]).toEqual([1, 1]);
    expect(of('sessions').deletes).toBe(1);
  });

  it('samples one operation in sampleEvery, keeping exact counts', () => {
    m = openTask(tmp.dir, [KV], { latencySampleEvery: 10 });
    const kv = m.keyValueStore<number>('ctx');
    for (let i = 0; i < 100; i++) kv.put('k', i);
    const c = of('ctx');
    expect(c.puts).toBe(100);
    expect(c.latency.put.count).toBe(10);
  });

  it('returns a snapshot, not live counters', () => {
    m = openTask(tmp.dir, [KV]);
    const kv = m.keyValueStore<number>('ctx');
    kv.put('a', 1);
    const before = of('ctx');
    kv.put('b', 1);
    commit(m, new MemoryLog());
    expect(before.puts).toBe(1);
    expect(of('ctx').puts).toBe(2);
    expect(kv.approximateCount()).toBe(2);
  });
});
