import { describe, expect, it } from 'vitest';
import { DeliveryQueue, type PendingSend } from './delivery-queue.js';

function send(n: number): PendingSend & { settled: unknown[] } {
  const s: PendingSend & { settled: unknown[] } = {
    results: new Array(n),
    remaining: n,
    error: undefined,
    settled: [],
    done: (err) => s.settled.push(err ?? 'ok'),
  };
  return s;
}

describe('DeliveryQueue', () => {
  it('gives each partition its reports in produce order, across interleaved sends', () => {
    const q = new DeliveryQueue();
    const a = send(3);
    const b = send(2);
    q.push('t', 0, a, 0);
    q.push('t', 1, a, 1);
    q.push('t', 0, b, 0);
    q.push('t', 0, a, 2);
    q.push('u', 0, b, 1);
    expect(q.pending).toBe(5);
    // Partitions report independently of each other; within one, in produce order.
    q.delivered(null, 'u', 0, 40);
    q.delivered(null, 't', 0, 10);
    q.delivered(null, 't', 1, 20);
    expect(a.settled).toEqual([]);
    q.delivered(null, 't', 0, 11);
    expect(b.settled).toEqual(['ok']);
    expect(b.results).toEqual([
      { topic: 't', partition: 0, offset: 11 },
      { topic: 'u', partition: 0, offset: 40 },
    ]);
    q.delivered(null, 't', 0, 12);
    expect(a.settled).toEqual(['ok']);
    expect(a.results.map((r) => r.offset)).toEqual([10, 20, 12]);
    expect(q.pending).toBe(0);
  });

  it('fails every send with a record pending on the partition of a failed report, and each settles once', () => {
    const q = new DeliveryQueue();
    const a = send(2);
    const b = send(2);
    const c = send(1);
    q.push('t', 0, a, 0);
    q.push('t', 0, b, 0);
    q.push('t', 1, a, 1);
    q.push('t', 1, b, 1);
    q.push('t', 2, c, 0);
    const boom = new Error('timed out');
    q.delivered(boom, 't', 0, -1);
    q.delivered(null, 't', 0, 5);
    q.delivered(null, 't', 1, 6);
    q.delivered(null, 't', 1, 7);
    q.delivered(null, 't', 2, 8);
    expect(a.settled).toEqual([boom]);
    expect(b.settled).toEqual([boom]);
    // A partition without failures is unaffected.
    expect(c.settled).toEqual(['ok']);
    expect(c.results[0]).toEqual({ topic: 't', partition: 2, offset: 8 });
  });

  it('ignores reports it has no pending record for, and reuses a drained partition queue', () => {
    const q = new DeliveryQueue();
    q.delivered(null, 'x', 0, 1);
    const a = send(1);
    q.push('x', 0, a, 0);
    q.delivered(null, 'x', 3, 1);
    expect(a.settled).toEqual([]);
    q.delivered(null, 'x', 0, 2);
    expect(a.settled).toEqual(['ok']);
    const b = send(1);
    q.push('x', 0, b, 0);
    q.delivered(null, 'x', 0, 3);
    expect(b.results[0]!.offset).toBe(3);
    expect(q.pending).toBe(0);
  });
});
