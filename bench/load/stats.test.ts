import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.js';

describe('load test percentiles', () => {
  it('uses the nearest rank', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(s, 50), percentile(s, 99), percentile(s, 100)]).toEqual([50, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(summarize('x', [3, 1, 2])).toMatchObject({ count: 3, p50: 2, max: 3 });
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
