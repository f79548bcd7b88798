import { describe, expect, it } from 'vitest';
import { topKByDot } from './top-k.js';

describe('topKByDot', () => {
  // 5 rows of 3-d vectors; query (1, 0, 0) scores each row by its first component.
  const matrix = Float32Array.from([0.1, 0, 0, 0.9, 0, 0, 0.5, 0, 0, 0.9, 1, 0, -0.3, 0, 0]);
  const q = Float32Array.from([1, 0, 0]);

  it('returns the k best rows, best first, earlier rows winning ties', () => {
    expect(topKByDot(matrix, 3, q, 3).map((s) => s.row)).toEqual([1, 3, 2]);
    expect(topKByDot(matrix, 3, q, 1)[0]!.score).toBeCloseTo(0.9, 6);
  });

  it('handles k beyond the row count, k = 0, minScore and an empty matrix', () => {
    expect(topKByDot(matrix, 3, q, 10).map((s) => s.row)).toEqual([1, 3, 2, 0, 4]);
    expect(topKByDot(matrix, 3, q, 0)).toEqual([]);
    expect(topKByDot(matrix, 3, q, 10, 0.4).map((s) => s.row)).toEqual([1, 3, 2]);
    expect(topKByDot(new Float32Array(0), 3, q, 3)).toEqual([]);
  });

  it('agrees with a full sort on random data (odd dimension, unrolled loop tail)', () => {
    let x = 1;
    const rnd = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    const dims = 7;
    const m = Float32Array.from({ length: 200 * dims }, rnd);
    const query = Float32Array.from({ length: dims }, rnd);
    const all = Array.from({ length: 200 }, (_, r) => ({ r, s: m.subarray(r * dims, (r + 1) * dims).reduce((a, v, d) => a + v * query[d]!, 0) }));
    all.sort((a, b) => b.s - a.s);
    const got = topKByDot(m, dims, query, 10);
    expect(got.map((g) => g.row)).toEqual(all.slice(0, 10).map((a) => a.r));
    got.forEach((g, i) => expect(g.score).toBeCloseTo(all[i]!.s, 5));
  });
});
