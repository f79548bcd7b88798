/**
 * The context window: per key, the last `max_events` events within `span` of
 * the newest one (event time), in a key-value store. The per-user context of
 * AURA360 is this window with the wellness summary preset.
 *
 * State per key: `{ version, events, ikigai }`. The store persists `events`
 * one row per event (state/list-rows.ts), so a commit writes the events that
 * entered or left the window, not the whole window; values stored whole by
 * earlier versions are read as they are and split at their next write.
 *
 * Per record the state is updated in place (the stored object is changed and
 * put back, as the store contract allows): the event is inserted at its place
 * in time (at the end, usually) and the window trimmed — no copy of the window.
 * The output (the summary) is built after every record with `emit: on_update`,
 * or once per commit from the state as it is then with `emit: on_commit`.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import { type Aggregation, foldAll } from './accumulators.js';
import { applyIkigai, type ContextState, summarize, type WindowEvent } from './context-summary.js';
import { openRecordCache } from './emit-cache.js';

export interface ContextWindowOptions {
  storeName: string;
  maxEvents: number;
  spanMs: number;
  preset: boolean;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
  /** `emit: on_commit`: the record cache part's bound (undefined: the task's budget); null: emit every update. */
  cache: { maxBytes: number | undefined } | null;
}

/** Record cache size of one pending preset output (the summary is ~1 KB whatever the window holds). */
const SUMMARY_BYTES = 1024;

/** Event time: the envelope's `time` when it parses, else the record timestamp. */
export function eventTime(record: StreamRecord): number {
  const t = (record.value as { time?: unknown } | null)?.time;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  } else if (typeof t === 'number') return t;
  return record.timestamp;
}

export function contextWindowProcessor(ctx: ProcessorContext, o: ContextWindowOptions): (record: StreamRecord) => void {
  const store: KeyValueStore<ContextState> = ctx.getKeyValueStore<ContextState>(o.storeName);
  store.persistListAsRows?.('events');
  const output = (key: string, state: ContextState): Record<string, unknown> => {
    const events = state.events;
    const aggregations = o.aggregations.length > 0 ? foldAll(o.aggregations, o.preset ? events.map(asEnvelope) : events.map(dataOf)) : undefined;
    if (!o.preset) return { key, window: { start: events[0]!.time, end: events[events.length - 1]!.time }, ...aggregations };
    // The summary is a fresh object: extend it rather than copy it (a spread per event shows in profiles).
    const out = summarize(key, state, o.maxEvents, o.spanMs);
    if (aggregations) out.aggregations = aggregations;
    return out;
  };
  const emit = (key: string, state: ContextState, timestamp: number, headers: Record<string, string>): void => {
    ctx.forward({ key, value: output(key, state), timestamp, headers });
  };
  const cache = o.cache === null ? null : openRecordCache<ContextState>(ctx, store, emit, o.cache.maxBytes);
  const pendingBytes = o.preset ? SUMMARY_BYTES : 64 + o.aggregations.reduce((n, a) => n + a.outputBytes, 0);
  // The ids in each window, derived from it (never stored): comparing an id with 50 others was the
  // fold's largest cost. Kept by state object, so a state dropped from the store's cache (or a new
  // one read back from SQLite) takes its set with it (or gets a new one).
  const idsOf = new WeakMap<ContextState, Set<string>>();
  const windowIds = (state: ContextState): Set<string> => {
    let ids = idsOf.get(state);
    if (ids === undefined) {
      ids = new Set();
      for (const e of state.events) ids.add(e.id);
      idsOf.set(state, ids);
    }
    return ids;
  };
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    const value = (record.value ?? {}) as { id?: unknown; type?: unknown; data?: unknown };
    let state = store.get(key);
    // A redelivered event (same id still in the window) changes nothing: at-least-once input stays idempotent here.
    if (state !== undefined && typeof value.id === 'string' && windowIds(state).has(value.id)) return;
    if (state === undefined) state = { version: 0, events: [], ikigai: {} };
    const time = eventTime(record);
    const id = typeof value.id === 'string' ? value.id : `${record.timestamp}#${state.version + 1}`;
    // The preset reads AURA360 envelopes ({id, type, time, data}); generic aggregations keep the whole value.
    const payload = o.preset ? value.data : value;
    const data = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
    const event: WindowEvent = { id, type: typeof value.type === 'string' ? value.type : 'unknown', time, data };
    insertAndTrim(state.events, event, o.maxEvents, o.spanMs, windowIds(state));
    state.version++;
    if (event.type === 'user.ikigai.updated') state.ikigai = applyIkigai(state.ikigai, data, time);
    store.put(key, state);
    if (cache === null) emit(key, state, record.timestamp, record.headers);
    else cache.put(key, state, pendingBytes, record.timestamp, record.headers);
  };
}

/** With the preset, aggregations read fields of the original envelope (`data.score`, `type`). */
function asEnvelope(e: WindowEvent): unknown {
  return { id: e.id, type: e.type, time: e.time, data: e.data };
}

function dataOf(e: WindowEvent): unknown {
  return e.data;
}

/**
 * Adds `event` to the window in place: ordered by time, after older events of
 * the same time, then drops events beyond `maxEvents` and older than `spanMs`
 * before the newest (and keeps `ids`, the window's ids, in step). Same result as appending, stable-sorting and trimming,
 * without the sort: the window is ordered and events mostly arrive in order, so
 * the insertion point is found scanning back from the end (one step usually).
 */
export function insertAndTrim(events: WindowEvent[], event: WindowEvent, maxEvents: number, spanMs: number, ids?: Set<string>): void {
  let pos = events.length;
  while (pos > 0 && events[pos - 1]!.time > event.time) pos--;
  if (pos === events.length) events.push(event);
  else events.splice(pos, 0, event);
  ids?.add(event.id);
  const n = events.length;
  const oldest = events[n - 1]!.time - spanMs;
  let drop = 0;
  while (drop < n && (n - drop > maxEvents || events[drop]!.time < oldest)) {
    ids?.delete(events[drop]!.id);
    drop++;
  }
  if (drop === 1) events.shift();
  else if (drop > 0) events.splice(0, drop);
}
