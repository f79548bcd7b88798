/**
 * KeyedLane: records of one key run one after the other, in submission order;
 * at most `concurrency` jobs run at once; drain() resolves when all are done.
 */
import { describe, expect, it } from 'vitest';
import { KeyedLane } from './keyed-lane.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tiny deterministic generator (mulberry32) so delays vary but runs repeat. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('KeyedLane', () => {
  it('keeps per-key order with concurrency > 1 and never runs two jobs of a key at once', async () => {
    const lane = new KeyedLane(4);
    const rnd = random(42);
    const started = new Map<string, number[]>();
    const finished = new Map<string, number[]>();
    const runningPerKey = new Map<string, number>();
    let overlapSameKey = 0;
    const submitted = new Map<string, number[]>();
    for (let i = 0; i < 200; i++) {
      const key = `k${Math.floor(rnd() * 6)}`;
      const delay = Math.floor(rnd() * 4);
      submitted.set(key, [...(submitted.get(key) ?? []), i]);
      lane.submit(key, async () => {
        started.set(key, [...(started.get(key) ?? []), i]);
        runningPerKey.set(key, (runningPerKey.get(key) ?? 0) + 1);
        if (runningPerKey.get(key)! > 1) overlapSameKey++;
        await sleep(delay);
        runningPerKey.set(key, runningPerKey.get(key)! - 1);
        finished.set(key, [...(finished.get(key) ?? []), i]);
      });
    }
    await lane.drain();
    expect(overlapSameKey).toBe(0);
    for (const [key, order] of submitted) {
      expect(started.get(key)).toEqual(order);
      expect(finished.get(key)).toEqual(order);
    }
    lane.close();
  });

  it('runs at most `concurrency` jobs at once, and does use that many', async () => {
    for (const concurrency of [1, 3, 8]) {
      const lane = new KeyedLane(concurrency);
      let running = 0;
      let peak = 0;
      for (let i = 0; i < 60; i++) {
        lane.submit(`key-${i}`, async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(2);
          running--;
        });
      }
      await lane.drain();
      expect(peak).toBe(concurrency);
      lane.close();
    }
  });

  it('treats null keys as one key (their order is kept too)', async () => {
    const lane = new KeyedLane(4);
    const order: number[] = [];
    for (let i = 0; i < 20; i++)
      lane.submit(null, async () => {
        await sleep(i % 3);
        order.push(i);
      });
    await lane.drain();
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    lane.close();
  });

  it('drain waits for every queued and running job; size counts them', async () => {
    const lane = new KeyedLane(2);
    expect(lane.size).toBe(0);
    await lane.drain(); // nothing pending: resolves at once
    const gates: Array<() => void> = [];
    let done = 0;
    for (let i = 0; i < 5; i++) {
      lane.submit(`k${i}`, async () => {
        await new Promise<void>((r) => gates.push(r));
        done++;
      });
    }
    expect(lane.size).toBe(5);
    let drained = false;
    const drain = lane.drain().then(() => (drained = true));
    await sleep(5);
    expect(gates).toHaveLength(2); // only two started
    gates.splice(0).forEach((open) => open());
    await sleep(5);
    expect(drained).toBe(false);
    expect(lane.size).toBe(3);
    while (done < 5) {
      gates.splice(0).forEach((open) => open());
      await sleep(1);
    }
    await drain;
    expect(drained).toBe(true);
    expect(lane.size).toBe(0);
    lane.close();
  });
});
