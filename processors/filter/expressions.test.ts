/**
 * filter, map and branch with JSONata through the TopologyTestDriver: `$key`
 * and `$timestamp` are bound, map rewrites value and key, branch routes to the
 * first matching port and the rest to its `default` port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const PIPELINE = `
app: expr-test
defaults: { partitions: 2 }
topics:
  events: { name: expr.events }
  kept: { name: expr.kept }
  mapped: { name: expr.mapped }
  low: { name: expr.low }
  high: { name: expr.high }
  other: { name: expr.other }
processors:
  keep_vip_moods:
    type: filter
    from: events
    to: kept
    config:
      condition: type = 'mood' and $substring($key, 0, 4) = 'vip-'
  project:
    type: map
    from: events
    to: mapped
    config:
      value: '{ "user": $key, "score": data.score * 10, "at": $timestamp, "tags": data.tags }'
      key: data.kind & '/' & $key
  route:
    type: branch
    from: events
    to: { low: low, high: high, rest: other }
    config:
      branches:
        low: type = 'mood' and data.score <= 3
        high: type = 'mood' and data.score >= 8
      default: rest
`;

interface Event {
  type: string;
  data: { score?: number; kind?: string; tags?: string[] };
}

const input: Array<{ key: string; value: Event }> = [
  { key: 'vip-1', value: { type: 'mood', data: { score: 2, kind: 'calm', tags: ['a', 'b'] } } },
  { key: 'u-2', value: { type: 'mood', data: { score: 9, kind: 'joy' } } },
  { key: 'vip-3', value: { type: 'activity', data: { kind: 'run' } } },
  { key: 'vip-4', value: { type: 'mood', data: { score: 8, kind: 'joy' } } },
  { key: 'u-5', value: { type: 'mood', data: { score: 5, kind: 'meh', tags: [] } } },
  { key: 'u-6', value: { type: 'mood', data: { score: 3 } } },
];

describe('filter, map and branch (JSONata)', () => {
  let driver: TopologyTestDriver;
  const base = recentHour();
  const sortByKey = <T extends { key: string | null }>(rows: T[]) => [...rows].sort((a, b) => a.key!.localeCompare(b.key!));

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE);
    await driver.pipeInput(
      'events',
      input.map((r, i) => ({ ...r, timestamp: base + i })),
    );
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('filter keeps the records whose condition holds, $key included', async () => {
    const kept = sortByKey(await driver.readOutput('kept')).map((r) => ({ key: r.key, value: r.value }));
    const expected = input.filter((r) => r.value.type === 'mood' && r.key.startsWith('vip-'));
    expect(expected).toHaveLength(2);
    expect(kept).toEqual(sortByKey(expected));
  });

  it('map rewrites value and key from the value, $key and $timestamp', async () => {
    const mapped = await driver.readOutput('mapped');
    const expected = input.map((r, i) => {
      const value: Record<string, unknown> = { user: r.key, at: base + i };
      if (r.value.data.score !== undefined) value.score = r.value.data.score * 10;
      // JSONata leaves a field whose expression gives nothing out of the object.
      if (r.value.data.tags !== undefined) value.tags = r.value.data.tags;
      // A missing kind makes the string concatenation treat it as empty.
      return { key: `${r.value.data.kind ?? ''}/${r.key}`, value };
    });
    expect(sortByKey(mapped.map((r) => ({ key: r.key, value: r.value })))).toEqual(sortByKey(expected));
    // Written to a topic, a record goes to the partition of its new key (that is how to re-key before a join).
    for (const r of mapped) expect(r.partition).toBe(driver.transport.partitionFor(r.key!, 2));
    expect(new Set(mapped.map((r) => r.partition)).size).toBe(2);
  });

  it('branch routes to the first matching port, and the rest to the default port', async () => {
    const keys = async (topic: string) => (await driver.readOutput(topic)).map((r) => r.key).sort();
    const score = (r: (typeof input)[number]) => (r.value.type === 'mood' ? r.value.data.score : undefined);
    const low = input.filter((r) => (score(r) ?? 99) <= 3).map((r) => r.key);
    const high = input.filter((r) => (score(r) ?? -1) >= 8).map((r) => r.key);
    const rest = input.map((r) => r.key).filter((k) => !low.includes(k) && !high.includes(k));
    expect(await keys('low')).toEqual(low.sort());
    expect(await keys('high')).toEqual(high.sort());
    expect(await keys('other')).toEqual(rest.sort());
    expect(low.length + high.length + rest.length).toBe(input.length);
  });
});
