/**
 * Time windows on event time with grace, as in Kafka Streams: tumbling
 * (advance = size), hopping (advance < size) in a window store, session
 * windows (inactivity gap) in a session store. A record later than its
 * window's end + grace is dropped. With `emit: on_window_close` results are
 * held back until stream time passes end + grace (Kafka Streams' suppress).
 */
import type { SessionStore, WindowStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import type { Acc, Aggregation } from './accumulators.js';
import { openRecordCache } from './emit-cache.js';

export interface TimeWindowOptions {
  storeName: string;
  sizeMs: number;
  advanceMs: number;
  graceMs: number;
  emitOnClose: boolean;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
  timeOf(record: StreamRecord): number;
  /** `emit: on_commit` (tumbling and hopping): the record cache part's bound (undefined: the task's budget); null: emit every update. */
  cache?: { maxBytes: number | undefined } | null;
}

/** A window update waiting in the record cache. */
interface PendingWindow {
  key: string;
  start: number;
  accs: Accs;
}

type Accs = Record<string, Acc>;

/** Start times of the windows [start, start + size) that contain `t`. */
export function windowStartsFor(t: number, sizeMs: number, advanceMs: number): number[] {
  const starts: number[] = [];
  const last = t - (((t % advanceMs) + advanceMs) % advanceMs);
  for (let s = last; s > t - sizeMs; s -= advanceMs) starts.push(s);
  return starts.reverse();
}

function resultOf(aggs: Aggregation[], key: string, start: number, end: number, accs: Accs | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { key, window: { start, end } };
  for (const a of aggs) out[a.name] = a.result(accs?.[a.name]);
  return out;
}

export function timeWindowProcessor(ctx: ProcessorContext, o: TimeWindowOptions): (record: StreamRecord) => void {
  const store: WindowStore<Accs> = ctx.getWindowStore<Accs>(o.storeName);
  let lateDropped = 0;
  const emitPending = (_id: string, w: PendingWindow, timestamp: number, headers: Record<string, string>): void =>
    ctx.forward({ key: w.key, value: resultOf(o.aggregations, w.key, w.start, w.start + o.sizeMs, w.accs), timestamp, headers });
  const cache = o.cache ? openRecordCache<PendingWindow>(ctx, store, emitPending, o.cache.maxBytes) : null;
  const pendingBytes = 64 + o.aggregations.reduce((n, a) => n + a.outputBytes, 0);
  // Stream time at which the next window closes. Window starts are aligned to the advance, so it
  // follows from stream time alone; -Infinity makes the first record check what a restart left.
  let nextClose = Number.NEGATIVE_INFINITY;
  /**
   * Windows whose end + grace has passed are final: emit each once and delete it (a later record for
   * it is late and dropped, so it cannot come back). Checked on every record, as Kafka Streams'
   * suppress does, so the result appears as soon as stream time passes the close — a periodic
   * punctuation would hold it back until its next tick.
   */
  const closeWindows = (now: number): void => {
    if (now < nextClose) return;
    for (const e of store.fetchAll(Number.MIN_SAFE_INTEGER, now - o.sizeMs - o.graceMs)) {
      ctx.forward({
        key: e.key,
        value: resultOf(o.aggregations, e.key, e.windowStart, e.windowStart + o.sizeMs, e.value),
        timestamp: e.windowStart + o.sizeMs - 1,
        headers: {},
      });
      store.delete(e.key, e.windowStart);
    }
    const lastClosedStart = now - o.sizeMs - o.graceMs;
    nextClose = lastClosedStart - (((lastClosedStart % o.advanceMs) + o.advanceMs) % o.advanceMs) + o.advanceMs + o.sizeMs + o.graceMs;
  };
  return (record) => {
    const streamTime = Math.max(ctx.streamTime(), record.timestamp);
    const key = o.keyOf(record);
    if (key !== null) add(key, record, streamTime);
    if (o.emitOnClose) closeWindows(streamTime);
  };

  function add(key: string, record: StreamRecord, streamTime: number): void {
    const t = o.timeOf(record);
    for (const start of windowStartsFor(t, o.sizeMs, o.advanceMs)) {
      const end = start + o.sizeMs;
      if (end + o.graceMs <= streamTime) {
        lateDropped++;
        ctx.lateRecordDropped();
        if (lateDropped % 1000 === 1) ctx.logger.debug({ key, start, lateDropped }, 'late record dropped (window closed)');
        continue;
      }
      const prev = store.get(key, start);
      const next: Accs = {};
      for (const a of o.aggregations) next[a.name] = a.add(prev?.[a.name], record.value);
      store.put(key, start, next);
      if (cache !== null) cache.put(JSON.stringify([key, start]), { key, start, accs: next }, pendingBytes, record.timestamp, record.headers);
      else if (!o.emitOnClose)
        ctx.forward({ key, value: resultOf(o.aggregations, key, start, end, next), timestamp: record.timestamp, headers: record.headers });
    }
  }
}

export interface SessionWindowOptions extends Omit<TimeWindowOptions, 'sizeMs' | 'advanceMs' | 'emitOnClose'> {
  gapMs: number;
}

/** Session windows: a record joins (and merges) every session of its key within `gap`. */
export function sessionWindowProcessor(ctx: ProcessorContext, o: SessionWindowOptions): (record: StreamRecord) => void {
  const store: SessionStore<Accs> = ctx.getSessionStore<Accs>(o.storeName);
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    const t = o.timeOf(record);
    // Kafka Streams' rule: a session ending before stream time − gap − grace is closed for good.
    if (t < Math.max(ctx.streamTime(), record.timestamp) - o.gapMs - o.graceMs) {
      ctx.lateRecordDropped();
      return;
    }
    let start = t;
    let end = t;
    let accs: Accs = {};
    for (const s of store.findSessions(key, t - o.gapMs, t + o.gapMs)) {
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      for (const a of o.aggregations) accs[a.name] = a.merge(accs[a.name], s.value[a.name]);
      store.remove(key, s.start, s.end);
    }
    const merged: Accs = {};
    for (const a of o.aggregations) merged[a.name] = a.add(accs[a.name], record.value);
    accs = merged;
    store.put(key, start, end, accs);
    ctx.forward({ key, value: resultOf(o.aggregations, key, start, end, accs), timestamp: record.timestamp, headers: record.headers });
  };
}
