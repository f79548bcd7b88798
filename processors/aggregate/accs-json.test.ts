/**
 * The keyed fold's state writer (accs-json.ts) against JSON.stringify: the same
 * text for any accumulator values (property test), through the store's commit
 * path (state/list-rows.ts toJson), and values not of the shape left plain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../state/list-rows.js';
import { accsShape } from './accs-json.js';
import { compileAggregations } from './accumulators.js';

const aggs = compileAggregations({
  n: { op: 'count' },
  total: { op: 'sum', field: 'score' },
  low: { op: 'min', field: 'score' },
  last: { op: 'last', field: 'note' },
  notes: { op: 'collect', field: 'note', limit: 2 },
} as never);
const shape = accsShape(aggs);

describe('accsShape', () => {
  it('writes exactly what JSON.stringify writes, for any accumulator values', () => {
    const value = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue());
    fc.assert(
      fc.property(fc.array(fc.record({ n: fc.oneof(fc.integer(), fc.double()), v: value }), { minLength: 5, maxLength: 5 }), (accs) => {
        const s = shape.create();
        aggs.forEach((a, i) => {
          s[a.name] = accs[i]!;
        });
        const expected = JSON.stringify(s);
        expect(toJson('store', 'k', s)).toBe(expected);
        expect(JSON.parse(expected)).toEqual(JSON.parse(JSON.stringify(Object.fromEntries(aggs.map((a, i) => [a.name, accs[i]])))));
      }),
      { numRuns: 500 },
    );
  });

  it('folds into the shape and serialises it as JSON.stringify, missing and present fields alike', () => {
    const s = shape.create();
    for (const a of aggs) s[a.name] = a.create();
    expect(toJson('store', 'k', s)).toBe(JSON.stringify(s));
    for (const r of [{ score: 3.25, note: 'a' }, {}, { score: -0 }, { note: 'q"\\\u2028' }]) for (const a of aggs) a.fold(s[a.name]!, r);
    expect(toJson('store', 'k', s)).toBe(JSON.stringify(s));
    expect(JSON.parse(toJson('store', 'k', s))).toEqual({
      n: { n: 4, v: 4 },
      total: { n: 2, v: 3.25 },
      low: { n: 2, v: 0 }, // JSON writes -0 as 0
      last: { n: 2, v: 'q"\\\u2028' },
      notes: { n: 2, v: ['a', 'q"\\\u2028'] },
    });
  });

  it('adopts state read back as plain JSON, and leaves other shapes plain (JSON.stringify writes them)', () => {
    const s = shape.create();
    for (const a of aggs) {
      const acc = a.create();
      a.fold(acc, { score: 2, note: 'x' });
      s[a.name] = acc;
    }
    const stored = JSON.parse(JSON.stringify(s));
    const adopted = shape.adopt(stored);
    expect(adopted).not.toBe(stored);
    expect(toJson('store', 'k', adopted)).toBe(JSON.stringify(stored));
    expect(shape.adopt(adopted)).toBe(adopted);
    // Another aggregation list (a key more, or in another order), or an accumulator with another field.
    const extra = { ...stored, old: { n: 1, v: 1 } };
    expect(shape.adopt(extra)).toBe(extra);
    const reordered = Object.fromEntries(Object.entries(stored).reverse()) as typeof stored;
    expect(shape.adopt(reordered)).toBe(reordered);
    const odd = { ...stored, n: { n: 1, v: 1, w: 2 } };
    expect(shape.adopt(odd)).toBe(odd);
    // A value JSON cannot hold still fails with the store and key named.
    const bad = shape.create();
    for (const a of aggs) bad[a.name] = a.create();
    bad.last = { n: 1, v: 10n };
    expect(() => toJson('s1', 'k1', bad)).toThrow(/store s1: value of key k1 is not JSON-serialisable/);
  });
});
