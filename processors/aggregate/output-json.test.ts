/**
 * The keyed fold's output writer (output-json.ts) against JSON.stringify: the
 * same text for any results, through the JSON serde (runtime/serde.ts), and
 * after any change a downstream processor may make to the forwarded object.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../runtime/serde.js';
import { STORE_JSON } from '../../state/types.js';
import { accsShape } from './accs-json.js';
import { compileAggregations } from './accumulators.js';
import { outputBuilder } from './output-json.js';

const aggs = compileAggregations({
  n: { op: 'count' },
  total: { op: 'sum', field: 'score' },
  mean: { op: 'avg', field: 'score' },
  low: { op: 'min', field: 'score' },
  last: { op: 'last', field: 'note' },
  notes: { op: 'collect', field: 'note', limit: 2 },
} as never);
const build = outputBuilder(aggs);
const shape = accsShape(aggs);
/** The serde's bytes (the byte writer) as text, checked against the string writer on the way. */
const text = (v: unknown): string => {
  const viaBytes = encodeValue(v)!.toString('utf8');
  expect((v as { [STORE_JSON]: () => string })[STORE_JSON]()).toBe(viaBytes);
  return viaBytes;
};

describe('outputBuilder', () => {
  it('writes exactly what JSON.stringify writes, for any accumulator values and key', () => {
    const value = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.boolean(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue());
    const acc = fc.record({ n: fc.oneof(fc.integer(), fc.double()), v: value });
    // The last aggregation is a collect: its accumulator holds a list.
    const list = fc.record({ n: fc.integer(), v: fc.array(fc.jsonValue(), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.string(), fc.tuple(acc, acc, acc, acc, acc, list), (key, accs) => {
        const s = shape.create();
        aggs.forEach((a, i) => {
          s[a.name] = accs[i]!;
        });
        const out = build(key, s);
        const expected = JSON.stringify(out);
        expect(text(out)).toBe(expected);
        expect(JSON.parse(expected)).toEqual({
          key,
          ...Object.fromEntries(aggs.map((a, i) => [a.name, JSON.parse(JSON.stringify(a.result(accs[i]) ?? null))])),
        });
      }),
      { numRuns: 500 },
    );
  });

  it("writes the results of any numbers and strings (the writer's own path) as JSON.stringify", () => {
    const scalars = aggs.slice(0, 5);
    const buildScalars = outputBuilder(scalars);
    const value = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.boolean(), fc.string(), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.array(fc.record({ n: fc.integer({ min: 1 }), v: value }), { minLength: 5, maxLength: 5 }), (key, accs) => {
        const s: Record<string, { n: number; v: unknown }> = {};
        scalars.forEach((a, i) => {
          s[a.name] = accs[i]!;
        });
        const out = buildScalars(key, s);
        expect(text(out)).toBe(JSON.stringify(out));
        expect(Object.keys(out)).toEqual(['key', ...scalars.map((a) => a.name)]);
      }),
      { numRuns: 500 },
    );
  });

  it('writes the fold results of real records as JSON.stringify', () => {
    const s = shape.create();
    for (const a of aggs) s[a.name] = a.create();
    expect(text(build('u1', s))).toBe(JSON.stringify(build('u1', s)));
    for (const r of [{ score: 3.25, note: 'a' }, {}, { score: -0 }, { score: 1e21 }, { note: 'q"\\\u2028\ud800' }]) for (const a of aggs) a.fold(s[a.name]!, r);
    const out = build('u"1', s);
    expect(text(out)).toBe(JSON.stringify(out));
    expect(decodeValue(encodeValue(out))).toEqual({
      key: 'u"1',
      n: 5,
      total: 1e21 + 3.25,
      mean: (1e21 + 3.25) / 3,
      low: 0,
      last: 'q"\\\u2028\ud800',
      notes: ['a', 'q"\\\u2028\ud800'],
    });
  });

  it('follows any change made downstream: fields added, deleted, replaced, reordered', () => {
    const s = shape.create();
    for (const a of aggs) {
      s[a.name] = a.create();
      a.fold(s[a.name]!, { score: 2, note: 'x' });
    }
    const changes: Array<(o: Record<string, unknown>) => void> = [
      (o) => {
        o.extra = 1;
      },
      (o) => {
        delete o.mean;
      },
      (o) => {
        o.mean = undefined;
      },
      (o) => {
        o.total = { nested: [1, 2] };
      },
      (o) => {
        o.low = Number.NaN;
      },
      (o) => {
        o.key = 7;
      },
      (o) => {
        const n = o.n;
        delete o.n;
        o.n = n;
      },
      (o) => {
        o.toJSON = () => 'replaced';
      },
      (o) => {
        o[0] = 'first';
      },
    ];
    for (const change of changes) {
      const out = build('k', s);
      change(out);
      expect(text(out)).toBe(JSON.stringify(out));
    }
  });
});
