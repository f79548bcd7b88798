/**
 * Punctuation: the queue's schedule arithmetic (stream time and wall clock,
 * missed intervals, phase, cancel), then both kinds through the
 * TopologyTestDriver — stream time by piping records, wall clock with
 * `advanceWallClock` — firing from a real processor context.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inlineDriver } from '../testing/inline-driver.js';
import type { TopologyTestDriver } from '../testing/test-driver.js';
import { PunctuationQueue } from './punctuation.js';

describe('PunctuationQueue', () => {
  it('stream time: starts at the first stream time seen, fires once per due call, keeps its phase', () => {
    const q = new PunctuationQueue();
    const fired: number[] = [];
    q.schedule(1000, 'stream_time', Number.NEGATIVE_INFINITY, (t) => fired.push(t));
    expect(q.fire('stream_time', 5000)).toBe(0); // first stream time: the grid starts here
    expect(q.fire('stream_time', 5999)).toBe(0);
    expect(q.fire('stream_time', 6000)).toBe(1);
    expect(q.fire('stream_time', 6000)).toBe(0);
    // Jumped 3.5 intervals: fires once, and the next point stays on the grid (10 000, not 10 500).
    expect(q.fire('stream_time', 9500)).toBe(1);
    expect(q.fire('stream_time', 9999)).toBe(0);
    expect(q.fire('stream_time', 10_000)).toBe(1);
    expect(fired).toEqual([6000, 9500, 10_000]);
  });

  it('keeps wall-clock and stream-time schedules apart, fires in scheduling order, stops on cancel', () => {
    const q = new PunctuationQueue();
    const fired: string[] = [];
    const wall = q.schedule(100, 'wall_clock', 0, (t) => fired.push(`wall@${t}`));
    q.schedule(50, 'wall_clock', 0, (t) => fired.push(`wall2@${t}`));
    q.schedule(100, 'stream_time', 0, (t) => fired.push(`stream@${t}`));
    expect(q.fire('stream_time', 100)).toBe(1);
    expect(q.fire('wall_clock', 100)).toBe(2);
    expect(fired).toEqual(['stream@100', 'wall@100', 'wall2@100']);
    wall.cancel();
    fired.length = 0;
    q.fire('wall_clock', 400);
    expect(fired).toEqual(['wall2@400']);
    expect(q.isEmpty).toBe(false);
    expect(() => q.schedule(0, 'wall_clock', 0, () => undefined)).toThrow(RangeError);
  });
});

const PIPELINE = `
app: punctuation-test
defaults: { partitions: 1 }
topics:
  input: { name: punct.input }
  ticks: { name: punct.ticks }
processors:
  pass:
    type: filter
    from: input
    to: ticks
    config: { condition: 'false' }
`;

describe('punctuation through the test driver', () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  /** Schedules on the filter node's real context; each firing forwards a tick record downstream. */
  function scheduleTicks(d: TopologyTestDriver, intervalMs: number, type: 'stream_time' | 'wall_clock'): void {
    const [task] = [...d.app.engine.tasks.values()];
    const ctx = task!.nodes.get('pass')!.context!;
    ctx.schedule(intervalMs, type, (time) => ctx.forward({ key: 'tick', value: { type, time }, timestamp: time, headers: {} }));
  }
  const ticks = async () => (await driver!.readOutput('ticks')).map((r) => (r.value as { time: number }).time);

  it('fires wall-clock schedules as the driver advances its clock', async () => {
    const t0 = 1_800_000_000_000;
    driver = await inlineDriver(PIPELINE, { startTime: t0 });
    scheduleTicks(driver, 60_000, 'wall_clock');
    await driver.advanceWallClock(59_999);
    expect(await ticks()).toEqual([]);
    await driver.advanceWallClock(1);
    expect(await ticks()).toEqual([t0 + 60_000]);
    await driver.advanceWallClock(150_000); // 3.5 intervals: once
    expect(await ticks()).toEqual([t0 + 210_000]);
    await driver.advanceWallClock(29_999);
    expect(await ticks()).toEqual([]);
    await driver.advanceWallClock(1);
    expect(await ticks()).toEqual([t0 + 240_000]);
  });

  it('fires stream-time schedules as piped records advance stream time (not on older records)', async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    driver = await inlineDriver(PIPELINE);
    scheduleTicks(driver, 10_000, 'stream_time');
    const pipe = (at: number) => driver!.pipeInput('input', [{ key: 'k', value: { at }, timestamp: t0 + at }]);
    await pipe(0);
    await pipe(9_999);
    expect(await ticks()).toEqual([]);
    await pipe(10_000);
    expect(await ticks()).toEqual([t0 + 10_000]);
    await pipe(5_000); // out of order: stream time stays at 10 s
    await driver.advanceWallClock(3_600_000); // wall clock does not move stream time
    expect(await ticks()).toEqual([]);
    await pipe(35_000);
    expect(await ticks()).toEqual([t0 + 35_000]);
    await pipe(39_999);
    await pipe(40_000);
    expect(await ticks()).toEqual([t0 + 40_000]);
  });
});
