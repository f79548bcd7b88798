/**
 * Windowed stream-stream joins through the TopologyTestDriver, inner and left
 * on the same two streams (window 10 s, grace 5 s, one partition so one stream
 * time): pairs within the window appear once, records further apart are not
 * paired, late records are dropped, and the left join emits an unmatched left
 * record with right = null only once its window has closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const PIPELINE = `
app: ss-join-test
defaults: { partitions: 1 }
topics:
  moods: { name: ssj.moods }
  activities: { name: ssj.activities }
  pairs_inner: { name: ssj.pairs.inner }
  pairs_left: { name: ssj.pairs.left }
joins:
  inner_pairs:
    type: stream_stream
    left: moods
    right: activities
    kind: inner
    window: { size: 10s, grace: 5s }
    to: pairs_inner
  left_pairs:
    type: stream_stream
    left: moods
    right: activities
    kind: left
    window: { size: 10s, grace: 5s }
    to: pairs_left
`;

const S = 1000;
type Pair = { left: { id: string }; right: { id: string } | null };

describe('stream-stream join', () => {
  let driver: TopologyTestDriver;
  const base = recentHour();
  const mood = (id: string, key: string, at: number) => driver.pipeInput('moods', [{ key, value: { id }, timestamp: base + at }]);
  const activity = (id: string, key: string, at: number) => driver.pipeInput('activities', [{ key, value: { id }, timestamp: base + at }]);
  const pairs = async (topic: 'pairs_inner' | 'pairs_left') =>
    (await driver.readOutput(topic)).map((r) => `${r.key}:${(r.value as Pair).left.id}+${(r.value as Pair).right?.id ?? 'null'}`);

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE);
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('pairs each record with the other side within the window, once per pair', async () => {
    await mood('m1', 'a', 0);
    expect(await pairs('pairs_inner')).toEqual([]);
    expect(await pairs('pairs_left')).toEqual([]); // unmatched, but its window is open: no null yet
    await activity('a1', 'a', 4 * S);
    await activity('a2', 'a', 8 * S);
    expect(await pairs('pairs_inner')).toEqual(['a:m1+a1', 'a:m1+a2']);
    expect(await pairs('pairs_left')).toEqual(['a:m1+a1', 'a:m1+a2']);
  });

  it('does not pair records further apart than the window size', async () => {
    await mood('m2', 'b', 5 * S);
    await mood('m3', 'c', 9 * S);
    await activity('a3', 'c', 19_500); // 10.5 s after m3
    expect(await pairs('pairs_inner')).toEqual([]);
    // Stream time 19.5 s: m2's window (5 s + 10 s + 5 s grace) is still open, so no null result yet.
    expect(await pairs('pairs_left')).toEqual([]);
  });

  it('left join: emits an unmatched left record with right = null once its window has closed, once', async () => {
    await activity('z1', 'z', 21 * S); // advances stream time past m2's close (20 s)
    expect(await pairs('pairs_inner')).toEqual([]);
    expect(await pairs('pairs_left')).toEqual(['b:m2+null']);
    await activity('z2', 'z', 23 * S);
    expect(await pairs('pairs_left')).toEqual([]);
  });

  it('joins an out-of-order record within grace and drops one after it', async () => {
    const dropped = driver.app.engine.metrics.droppedRecordsTotal;
    await activity('a4', 'c', 8_500); // 0.5 s before m3, 14.5 s behind stream time: within size + grace
    await mood('m4', 'd', 3 * S); // 20 s behind stream time: its window closed, dropped
    await activity('a5', 'd', 3 * S); // same, and it must not pair with m4
    // Each join node (inner and left) drops both records: counted as Kafka Streams' dropped-records.
    expect(driver.app.engine.metrics.droppedRecordsTotal - dropped).toBe(4);
    expect(await pairs('pairs_inner')).toEqual(['c:m3+a4']);
    expect(await pairs('pairs_left')).toEqual(['c:m3+a4']);
    // Past every window: m3 was matched, so the left join adds no null for it; m4 was never buffered.
    await activity('z3', 'z', 60 * S);
    expect(await pairs('pairs_inner')).toEqual([]);
    expect(await pairs('pairs_left')).toEqual([]);
  });

  it('empties the join buffers once windows have closed', () => {
    for (const store of ['inner_pairs_left', 'left_pairs_left']) expect(driver.readWindowStore(store)).toEqual([]);
    // Only the newest right record (z3 at 60 s) can still be joined.
    for (const store of ['inner_pairs_right', 'left_pairs_right'])
      expect(driver.readWindowStore(store).map((e) => ({ key: e.key, at: e.windowStart - base }))).toEqual([{ key: 'z', at: 60 * S }]);
  });
});
