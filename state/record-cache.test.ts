/**
 * The record cache's semantics: updates of a key merge into one forward,
 * forwards happen at flush (commit) in order of last update, the least
 * recently updated entry is evicted (and forwarded) when a part or the task's
 * budget is over its bound, `0` bytes forwards at once, and an aborted commit
 * drops what is pending. Then the same through a task's stores and commit.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, KV, MemoryLog, openTask, tempStateDir } from '../testing/support/state.js';
import { RecordCache } from './record-cache.js';
import type { TaskStateManager } from './task-state-manager.js';

type Out = [string, number, number];

function part(cache: RecordCache, name: string, maxBytes?: number): { put: (k: string, v: number, size?: number, ts?: number) => void; out: Out[] } {
  const out: Out[] = [];
  const named = cache.named<number>(name, (k, v, ts) => out.push([k, v, ts]), maxBytes);
  return { put: (k, v, size = 100, ts = v) => named.put(k, v, size, ts, {}), out };
}

// Each entry counts 64 bytes of overhead + 2 per key character + the given size: a one-letter key of size 100 = 166.
const ENTRY = 166;

describe('record cache', () => {
  it('forwards what a Map kept in update order (delete and re-insert) would, for any puts, flushes and clears', () => {
    // The reference: the cache as it was before its entries became a linked list.
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.record({ put: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), size: fc.integer({ min: 0, max: 200 }) }) },
      { weight: 1, arbitrary: fc.constant('flush' as const) },
      { weight: 1, arbitrary: fc.constant('clear' as const) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 0, max: 6 * ENTRY }), (ops, bound) => {
        const cache = new RecordCache();
        const p = part(cache, 'agg', bound);
        const model = new Map<string, { v: number; bytes: number }>();
        const expected: Out[] = [];
        let bytes = 0;
        ops.forEach((o, i) => {
          if (o === 'flush') {
            for (const [k, e] of model) expected.push([k, e.v, e.v]);
            model.clear();
            bytes = 0;
            cache.flush();
          } else if (o === 'clear') {
            model.clear();
            bytes = 0;
            cache.clear();
          } else {
            const b = 64 + 2 + o.size;
            const old = model.get(o.put);
            if (old !== undefined) bytes -= old.bytes;
            model.delete(o.put);
            model.set(o.put, { v: i, bytes: b });
            bytes += b;
            while (model.size > 0 && bytes > bound) {
              const [k, e] = model.entries().next().value as [string, { v: number; bytes: number }];
              model.delete(k);
              bytes -= e.bytes;
              expected.push([k, e.v, e.v]);
            }
            p.put(o.put, i, o.size);
          }
          expect(p.out).toEqual(expected);
          expect(cache.size).toBe(model.size);
          expect(cache.bytes).toBe(bytes);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('merges the updates of a key and forwards the latest once, at flush, in order of last update', () => {
    const cache = new RecordCache();
    const p = part(cache, 'agg');
    p.put('a', 1);
    p.put('b', 2);
    p.put('a', 3);
    p.put('c', 4);
    p.put('b', 5);
    expect(p.out).toEqual([]);
    expect(cache.size).toBe(3);
    expect(cache.flush()).toBe(3);
    expect(p.out).toEqual([
      ['a', 3, 3],
      ['c', 4, 4],
      ['b', 5, 5],
    ]);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(cache.flush()).toBe(0);
    expect(cache.stats).toMatchObject({ puts: 5, merged: 2, evictions: 0, forwarded: 3 });
  });

  it('evicts the least recently updated entry of the part being written when the part is over its bound', () => {
    const cache = new RecordCache();
    const p = part(cache, 'agg', 3 * ENTRY);
    p.put('a', 1);
    p.put('b', 2);
    p.put('c', 3);
    p.put('a', 4); // a becomes the most recent; b is now the least recent
    expect(p.out).toEqual([]);
    p.put('d', 5);
    expect(p.out).toEqual([['b', 2, 2]]);
    p.put('e', 6);
    expect(p.out).toEqual([
      ['b', 2, 2],
      ['c', 3, 3],
    ]);
    expect(cache.bytes).toBe(3 * ENTRY);
    cache.flush();
    expect(p.out.slice(2)).toEqual([
      ['a', 4, 4],
      ['d', 5, 5],
      ['e', 6, 6],
    ]);
    expect(cache.stats.evictions).toBe(2);
  });

  it("bounds the task's parts together by its budget, evicting from the part that grew", () => {
    const cache = new RecordCache(4 * ENTRY);
    const x = part(cache, 'x');
    const y = part(cache, 'y');
    x.put('a', 1);
    x.put('b', 2);
    y.put('c', 3);
    y.put('d', 4);
    expect(cache.bytes).toBe(4 * ENTRY);
    y.put('e', 5); // over budget: y evicts its oldest, x keeps its entries
    expect(y.out).toEqual([['c', 3, 3]]);
    expect(x.out).toEqual([]);
    x.put('f', 6);
    expect(x.out).toEqual([['a', 1, 1]]);
    // a larger value of a pending key can evict it itself when nothing older is left in its part
    const z = part(cache, 'z');
    z.put('g', 7, 10 * ENTRY);
    expect(z.out).toEqual([['g', 7, 7]]);
    expect(cache.bytes).toBe(4 * ENTRY);
  });

  it('forwards every update at once with a bound of 0 bytes (emit as on_update)', () => {
    const cache = new RecordCache();
    const p = part(cache, 'agg', 0);
    p.put('a', 1);
    p.put('a', 2);
    expect(p.out).toEqual([
      ['a', 1, 1],
      ['a', 2, 2],
    ]);
    expect(cache.size).toBe(0);
  });

  it('drops pending updates on clear (an aborted commit), and names parts once per task', () => {
    const cache = new RecordCache();
    const p = part(cache, 'agg');
    p.put('a', 1);
    cache.clear();
    expect(cache.flush()).toBe(0);
    expect(p.out).toEqual([]);
    expect(cache.bytes).toBe(0);
    expect(() => part(cache, 'agg')).toThrow(/created twice/);
  });

  it('flushes parts in creation order, so a downstream part receives the upstream flush first', () => {
    const cache = new RecordCache();
    const seen: string[] = [];
    const down = cache.named<number>('down', (k, v) => seen.push(`down ${k}=${v}`));
    const up = cache.named<number>('up', (k, v) => {
      seen.push(`up ${k}=${v}`);
      down.put(k, v * 10, 10, 0, {});
    });
    // created in topological order (as processors initialise): up first
    const ordered = new RecordCache();
    const seen2: string[] = [];
    let down2!: ReturnType<typeof ordered.named<number>>;
    const up2 = ordered.named<number>('up', (k, v) => {
      seen2.push(`up ${k}=${v}`);
      down2.put(k, v * 10, 10, 0, {});
    });
    down2 = ordered.named<number>('down', (k, v) => seen2.push(`down ${k}=${v}`));
    up2.put('a', 1, 10, 0, {});
    expect(ordered.flush()).toBe(2);
    expect(seen2).toEqual(['up a=1', 'down a=10']);
    // created the other way round, the downstream update waits for the next flush
    up.put('a', 1, 10, 0, {});
    expect(cache.flush()).toBe(1);
    expect(seen).toEqual(['up a=1']);
    expect(cache.flush()).toBe(1);
    expect(seen).toEqual(['up a=1', 'down a=10']);
  });
});

describe("record cache in a task's state", () => {
  let tmp: ReturnType<typeof tempStateDir>;
  let m: TaskStateManager;
  let log: MemoryLog;
  beforeEach(() => {
    tmp = tempStateDir();
    m = openTask(tmp.dir, [KV], { recordCacheMaxBytes: 10_000 });
    log = new MemoryLog();
  });
  afterEach(() => {
    m.close();
    tmp.cleanup();
  });

  it('is reached through a store; flushRecordCaches forwards, abortCommit drops, prepareCommit forwards leftovers', () => {
    const kv = m.keyValueStore<number>('ctx');
    const out: Array<[string, number]> = [];
    const cache = kv.recordCache!<number>('agg', (k, v) => out.push([k, v]));
    cache.put('u1', 1, 10, 1, {});
    cache.put('u1', 2, 10, 2, {});
    expect(m.flushRecordCaches()).toBe(1);
    expect(out).toEqual([['u1', 2]]);
    cache.put('u2', 3, 10, 3, {});
    m.abortCommit();
    expect(m.flushRecordCaches()).toBe(0);
    cache.put('u3', 4, 10, 4, {});
    commit(m, log);
    expect(out).toEqual([
      ['u1', 2],
      ['u3', 4],
    ]);
    expect(m.stats.recordCache).toMatchObject({ puts: 4, merged: 1, forwarded: 2 });
    // the part is bounded by the task's budget
    expect(() => kv.recordCache!('agg', () => undefined)).toThrow(/created twice/);
  });
});
