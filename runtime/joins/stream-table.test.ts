/**
 * Stream-table joins through the TopologyTestDriver, inner and left side by
 * side on the same streams: a request is enriched with the table's current
 * row for its key; table updates never emit; a deleted row is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const PIPELINE = `
app: st-join-test
defaults: { partitions: 2 }
topics:
  requests: { name: stj.requests }
  profiles: { name: stj.profiles, cleanup: compact }
  enriched_inner: { name: stj.enriched.inner }
  enriched_left: { name: stj.enriched.left }
stores:
  profile_table: { kind: key_value, from: profiles }
joins:
  inner_join: { type: stream_table, left: requests, right: profile_table, kind: inner, to: enriched_inner }
  left_join: { type: stream_table, left: requests, right: profile_table, kind: left, to: enriched_left }
`;

type Joined = { left: { q: string }; right: { name: string } | null };

describe('stream-table join', () => {
  let driver: TopologyTestDriver;
  const base = recentHour();
  const read = async (topic: string) =>
    (await driver.readOutput(topic)).map((r) => ({ key: r.key, q: (r.value as Joined).left.q, right: (r.value as Joined).right }));

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE);
    await driver.pipeInput('profiles', [
      { key: 'alice', value: { name: 'Alice' }, timestamp: base },
      { key: 'bob', value: { name: 'Bob' }, timestamp: base },
    ]);
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('materialises the table from its topic', () => {
    expect(driver.readKeyValueStore('profile_table')).toEqual({ alice: { name: 'Alice' }, bob: { name: 'Bob' } });
  });

  it('inner emits only requests with a row; left also emits the others with right = null', async () => {
    await driver.pipeInput('requests', [
      { key: 'alice', value: { q: 'a1' }, timestamp: base + 1 },
      { key: 'carol', value: { q: 'c1' }, timestamp: base + 2 },
      { key: 'bob', value: { q: 'b1' }, timestamp: base + 3 },
    ]);
    const byQ = (rows: Array<{ q: string }>) => [...rows].sort((a, b) => a.q.localeCompare(b.q));
    expect(byQ(await read('enriched_inner'))).toEqual([
      { key: 'alice', q: 'a1', right: { name: 'Alice' } },
      { key: 'bob', q: 'b1', right: { name: 'Bob' } },
    ]);
    expect(byQ(await read('enriched_left'))).toEqual([
      { key: 'alice', q: 'a1', right: { name: 'Alice' } },
      { key: 'bob', q: 'b1', right: { name: 'Bob' } },
      { key: 'carol', q: 'c1', right: null },
    ]);
  });

  it('does not emit on a table update; the next request sees the new row', async () => {
    await driver.pipeInput('profiles', [
      { key: 'carol', value: { name: 'Carol' }, timestamp: base + 10 },
      { key: 'alice', value: { name: 'Alice B.' }, timestamp: base + 10 },
    ]);
    expect(await read('enriched_inner')).toEqual([]);
    expect(await read('enriched_left')).toEqual([]);
    await driver.pipeInput('requests', [
      { key: 'carol', value: { q: 'c2' }, timestamp: base + 11 },
      { key: 'alice', value: { q: 'a2' }, timestamp: base + 11 },
    ]);
    const expected = [
      { key: 'alice', q: 'a2', right: { name: 'Alice B.' } },
      { key: 'carol', q: 'c2', right: { name: 'Carol' } },
    ];
    const sorted = (rows: Array<{ key: string | null }>) => [...rows].sort((a, b) => a.key!.localeCompare(b.key!));
    expect(sorted(await read('enriched_inner'))).toEqual(expected);
    expect(sorted(await read('enriched_left'))).toEqual(expected);
  });

  it('forgets a row deleted by a tombstone', async () => {
    await driver.pipeInput('profiles', [{ key: 'bob', value: null, timestamp: base + 20 }]);
    await driver.pipeInput('requests', [{ key: 'bob', value: { q: 'b2' }, timestamp: base + 21 }]);
    expect(await read('enriched_inner')).toEqual([]);
    expect(await read('enriched_left')).toEqual([{ key: 'bob', q: 'b2', right: null }]);
    expect(driver.readKeyValueStore('profile_table').bob).toBeUndefined();
  });
});
