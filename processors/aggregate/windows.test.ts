/**
 * Time windows through the TopologyTestDriver: tumbling with grace, hopping,
 * sliding, session (merge by a bridging record, gap, late drop) and
 * `emit: on_window_close`. Stream time advances by piping later records, as
 * with Kafka Streams' driver. One partition, so one stream time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';
import { compilePipeline } from '../../topology/compile.js';

const S = 1000;

function pipeline(window: string, store: 'window' | 'session', extra = ''): string {
  return `
app: window-test
defaults: { partitions: 1 }
topics:
  readings: { name: win.readings }
  results: { name: win.results }
stores:
  windows: { kind: ${store} }
processors:
  fold:
    type: aggregate
    from: readings
    to: results
    store: windows
    config:
      window: ${window}
      ${extra}
      aggregations:
        n: { op: count }
        total: { op: sum, field: v }
`;
}

interface Result {
  key: string;
  window: { start: number; end: number };
  n: number;
  total: number | null;
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const base = recentHour();
/** Pipes one record of key `a` with value `{v}` at base + `at` ms and returns what came out. */
async function pipe(at: number, v: number, key = 'a'): Promise<Result[]> {
  await driver!.pipeInput('readings', [{ key, value: { v }, timestamp: base + at }]);
  return (await driver!.readOutput('results')).map((r) => r.value as Result);
}
const rel = (r: Result) => ({ start: r.window.start - base, end: r.window.end - base, n: r.n, total: r.total });

describe('window retention follows stream time, not the wall clock', () => {
  it('keeps an open window across a minute of wall-clock time (the purge runs meanwhile)', async () => {
    driver = await inlineDriver(pipeline('{ type: tumbling, size: 10m }', 'window'));
    driver.app.engine.options.purgeIntervalMs = 1_000;
    expect((await pipe(0, 1)).map((r) => r.n)).toEqual([1]);
    await driver.advanceWallClock(61_000);
    expect((await pipe(1 * S, 1)).map((r) => r.n)).toEqual([2]);
  });
});

describe('tumbling windows with grace', () => {
  it('counts a late record within grace and drops one after end + grace', async () => {
    driver = await inlineDriver(pipeline('{ type: tumbling, size: 1m, grace: 10s }', 'window'));
    expect((await pipe(10 * S, 1)).map(rel)).toEqual([{ start: 0, end: 60 * S, n: 1, total: 1 }]);
    expect((await pipe(65 * S, 2)).map(rel)).toEqual([{ start: 60 * S, end: 120 * S, n: 1, total: 2 }]);
    // Stream time 65 s: [0, 60 s) closes at 70 s, so this out-of-order record still counts.
    expect((await pipe(50 * S, 4)).map(rel)).toEqual([{ start: 0, end: 60 * S, n: 2, total: 5 }]);
    expect((await pipe(70 * S, 8)).map(rel)).toEqual([{ start: 60 * S, end: 120 * S, n: 2, total: 10 }]);
    // Stream time 70 s = end + grace: the first window is closed, the record is dropped (and counted).
    expect(await pipe(59 * S, 16)).toEqual([]);
    expect(driver.app.engine.metrics.droppedRecordsTotal).toBe(1);
    const store = driver.readWindowStore<Record<string, { n: number }>>('windows').map((e) => ({ start: e.windowStart - base, n: e.value.n.n }));
    expect(store.sort((x, y) => x.start - y.start)).toEqual([
      { start: 0, n: 2 },
      { start: 60 * S, n: 2 },
    ]);
  });
});

describe('hopping windows', () => {
  it('counts a record in every window of size/advance that contains it', async () => {
    driver = await inlineDriver(pipeline('{ type: hopping, size: 1m, advance: 20s }', 'window'));
    const size = 60 * S;
    const advance = 20 * S;
    const times = [50 * S, 70 * S, 75 * S];
    const counts = new Map<number, number>();
    for (const t of times) {
      const out = (await pipe(t, 1)).map(rel);
      // Every window start that is a multiple of the advance with start <= t < start + size.
      const expected: Array<{ start: number; end: number; n: number; total: number }> = [];
      for (let s = Math.floor(t / advance) * advance; s > t - size; s -= advance) {
        counts.set(s, (counts.get(s) ?? 0) + 1);
        expected.unshift({ start: s, end: s + size, n: counts.get(s)!, total: counts.get(s)! });
      }
      expect(expected).toHaveLength(size / advance);
      expect(out).toEqual(expected);
    }
  });
});

describe('sliding windows', () => {
  it('aggregates the records within size before each record ([t - size, t]) and drops records later than grace', async () => {
    driver = await inlineDriver(pipeline('{ type: sliding, size: 1m, grace: 20s }', 'window'));
    const M = 60 * S;
    expect((await pipe(0, 1)).map(rel)).toEqual([{ start: -M, end: 0, n: 1, total: 1 }]);
    expect((await pipe(30 * S, 2)).map(rel)).toEqual([{ start: 30 * S - M, end: 30 * S, n: 2, total: 3 }]);
    // 90 s: the record at 0 is more than a minute older, the one at 30 s exactly a minute (included).
    expect((await pipe(90 * S, 4)).map(rel)).toEqual([{ start: 30 * S, end: 90 * S, n: 2, total: 6 }]);
    // Out of order within grace: its own window [10 s, 70 s] holds the records at 30 s and 70 s.
    expect((await pipe(70 * S, 8)).map(rel)).toEqual([{ start: 10 * S, end: 70 * S, n: 2, total: 10 }]);
    // Stream time 90 s, grace 20 s: a record at 69 s is too late.
    expect(await pipe(69 * S, 16)).toEqual([]);
    expect(driver.app.engine.metrics.droppedRecordsTotal).toBe(1);
    expect((await pipe(100 * S, 32)).map(rel)).toEqual([{ start: 40 * S, end: 100 * S, n: 3, total: 44 }]);
    expect((await pipe(200 * S, 64)).map(rel)).toEqual([{ start: 140 * S, end: 200 * S, n: 1, total: 64 }]);
  });
});

describe('session windows', () => {
  it('opens a session per burst, merges two sessions through a bridging record, drops records past gap + grace', async () => {
    driver = await inlineDriver(pipeline('{ type: session, gap: 30s }', 'session'));
    expect((await pipe(0, 1)).map(rel)).toEqual([{ start: 0, end: 0, n: 1, total: 1 }]);
    expect((await pipe(10 * S, 2)).map(rel)).toEqual([{ start: 0, end: 10 * S, n: 2, total: 3 }]);
    // 50 s is 40 s after the session's end: more than the gap, a new session.
    expect((await pipe(50 * S, 4)).map(rel)).toEqual([{ start: 50 * S, end: 50 * S, n: 1, total: 4 }]);
    // 30 s is within the gap of both sessions: they merge into one.
    expect((await pipe(30 * S, 8)).map(rel)).toEqual([{ start: 0, end: 50 * S, n: 4, total: 15 }]);
    expect((await pipe(100 * S, 16)).map(rel)).toEqual([{ start: 100 * S, end: 100 * S, n: 1, total: 16 }]);
    // Stream time 100 s: a record at 60 s would extend a session that ended before 100 - 30 s: closed, dropped.
    expect(await pipe(60 * S, 32)).toEqual([]);
    expect(driver.app.engine.metrics.droppedRecordsTotal).toBe(1);
    // Another key has its own sessions.
    expect((await pipe(101 * S, 64, 'b')).map(rel)).toEqual([{ start: 101 * S, end: 101 * S, n: 1, total: 64 }]);
    const sessions = driver.readSessionStore<Record<string, { n: number }>>('windows', 'a');
    expect(sessions.map((s) => ({ start: s.start - base, end: s.end - base, n: s.value.n.n }))).toEqual([
      { start: 0, end: 50 * S, n: 4 },
      { start: 100 * S, end: 100 * S, n: 1 },
    ]);
  });
});

describe('emit: on_window_close', () => {
  it('emits nothing until stream time passes end + grace, then exactly one final result per window', async () => {
    driver = await inlineDriver(pipeline('{ type: tumbling, size: 1m, grace: 10s }', 'window', 'emit: on_window_close'));
    expect(await pipe(10 * S, 1)).toEqual([]);
    expect(await pipe(30 * S, 2)).toEqual([]);
    expect(await pipe(65 * S, 4)).toEqual([]);
    // Within grace: still counted, still not emitted.
    expect(await pipe(55 * S, 8)).toEqual([]);
    expect(await pipe(69_500, 16)).toEqual([]);
    // Stream time passes 70 s (end + grace of [0, 60 s)): its final result, once.
    expect((await pipe(70_200, 32)).map(rel)).toEqual([{ start: 0, end: 60 * S, n: 3, total: 11 }]);
    expect(await pipe(71 * S, 64)).toEqual([]);
    // Too late for the closed window: dropped, and nothing is emitted again for it.
    expect(await pipe(40 * S, 128)).toEqual([]);
    // Stream time 200 s closes [60 s, 120 s) (and only it).
    expect((await pipe(200 * S, 256)).map(rel)).toEqual([{ start: 60 * S, end: 120 * S, n: 4, total: 4 + 16 + 32 + 64 }]);
    expect(await pipe(201 * S, 512)).toEqual([]);
  });
});

describe('emit: on_window_close on windows that do not close', () => {
  it('is rejected for session and sliding windows instead of being ignored', () => {
    for (const [window, store] of [
      ['{ type: session, gap: 30s }', 'session'],
      ['{ type: sliding, size: 1m }', 'window'],
    ] as const) {
      const result = compilePipeline(pipeline(window, store, 'emit: on_window_close'), '/tmp/emit-close.yaml', { env: {} });
      expect(result.ok).toBe(false);
      expect(result.diagnostics.map((d) => `${d.line}:${d.code}`)).toEqual(['17:INVALID_CONFIG']);
      expect(result.diagnostics[0]!.message).toContain('emit "on_window_close" is available for tumbling and hopping windows');
    }
  });
});
