/**
 * The generic aggregations (count/sum/avg/min/max/last/collect) per key,
 * through the TopologyTestDriver on two partitions: every emitted value and
 * the final store content are checked against a fold computed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const PIPELINE = `
app: agg-test
defaults: { partitions: 2 }
topics:
  readings: { name: agg.readings }
  stats: { name: agg.stats }
stores:
  stats_store: { kind: key_value }
processors:
  fold:
    type: aggregate
    from: readings
    to: stats
    store: stats_store
    config:
      aggregations:
        n: { op: count }
        total: { op: sum, field: data.score }
        mean: { op: avg, field: data.score }
        low: { op: min, field: data.score }
        high: { op: max, field: data.score }
        latest_note: { op: last, field: data.note }
        notes: { op: collect, field: data.note, limit: 3 }
`;

interface Reading {
  user: string;
  data: { score?: number; note?: string };
}

/** Deterministic readings: three users, some without a score or a note (those are skipped by that aggregation only). */
function readings(count: number): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < count; i++) {
    const data: Reading['data'] = {};
    if (i % 7 !== 3) data.score = ((i * 37) % 11) - 2; // includes negatives and zero
    if (i % 5 !== 0) data.note = `note-${i}`;
    out.push({ user: `u${i % 3}`, data });
  }
  return out;
}

/** The expected aggregate of one key after `list`, computed without the accumulators. */
function fold(list: Reading[]) {
  const scores = list.map((r) => r.data.score).filter((s): s is number => s !== undefined);
  const notes = list.map((r) => r.data.note).filter((n): n is string => n !== undefined);
  return {
    n: list.length,
    total: scores.length ? scores.reduce((a, b) => a + b, 0) : null,
    mean: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    low: scores.length ? Math.min(...scores) : null,
    high: scores.length ? Math.max(...scores) : null,
    latest_note: notes.length ? notes[notes.length - 1] : null,
    notes: notes.slice(-3),
  };
}

describe('aggregate: generic aggregations per key', () => {
  let driver: TopologyTestDriver;
  // More than 50 per key: an unwindowed aggregate must fold every record, not a bounded window of them.
  const input = readings(180);
  const base = recentHour();

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE);
    await driver.pipeInput(
      'readings',
      input.slice(0, 90).map((r, i) => ({ key: r.user, value: r, timestamp: base + i * 1000 })),
    );
    await driver.pipeInput(
      'readings',
      input.slice(90).map((r, i) => ({ key: r.user, value: r, timestamp: base + (90 + i) * 1000 })),
    );
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('emits, after each record, the fold of every record of its key so far', async () => {
    const out = await driver.readOutput('stats');
    expect(out).toHaveLength(input.length);
    const seen = new Map<string, Reading[]>();
    const expectedByKey = new Map<string, unknown[]>();
    for (const r of input) {
      const list = [...(seen.get(r.user) ?? []), r];
      seen.set(r.user, list);
      expectedByKey.set(r.user, [...(expectedByKey.get(r.user) ?? []), fold(list)]);
    }
    const actualByKey = new Map<string, unknown[]>();
    for (const o of out) {
      const { n, total, mean, low, high, latest_note, notes } = o.value as Record<string, unknown>;
      actualByKey.set(o.key!, [...(actualByKey.get(o.key!) ?? []), { n, total, mean, low, high, latest_note, notes }]);
    }
    expect([...actualByKey.keys()].sort()).toEqual(['u0', 'u1', 'u2']);
    for (const [key, expected] of expectedByKey) {
      const actual = actualByKey.get(key)!;
      expect(actual).toHaveLength(expected.length);
      actual.forEach((a, i) => {
        const e = expected[i] as ReturnType<typeof fold>;
        expect({ ...(a as object), mean: undefined }).toEqual({ ...e, mean: undefined });
        if (e.mean === null) expect((a as { mean: unknown }).mean).toBeNull();
        else expect((a as { mean: number }).mean).toBeCloseTo(e.mean, 9);
      });
    }
  });

  it('keeps one accumulator set per key in the store, equal to the fold of all its records', () => {
    const store = driver.readKeyValueStore<Record<string, { n: number; v: unknown }>>('stats_store');
    expect(Object.keys(store).sort()).toEqual(['u0', 'u1', 'u2']);
    for (const user of ['u0', 'u1', 'u2']) {
      const e = fold(input.filter((r) => r.user === user));
      const accs = store[user]!;
      expect(accs.n!.v).toBe(e.n);
      expect(accs.total!.v).toBe(e.total);
      expect(accs.low!.v).toBe(e.low);
      expect(accs.high!.v).toBe(e.high);
      expect(accs.notes!.v).toEqual(e.notes);
      // A fixed-size state per key, not a list of every record.
      expect(JSON.stringify(accs).length).toBeLessThan(500);
    }
  });
});
