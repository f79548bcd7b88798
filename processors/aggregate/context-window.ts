/**
 * The context window: per key, the last `max_events` events within `span` of
 * the newest one (event time), in a key-value store. The per-user context of
 * AURA360 is this window with the wellness summary preset; `sliding` windows
 * reuse it (span = size, no count bound) and recompute the aggregations.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import { type Aggregation, foldAll } from './accumulators.js';
import { applyIkigai, type ContextState, summarize, type WindowEvent } from './context-summary.js';

export interface ContextWindowOptions {
  storeName: string;
  maxEvents: number;
  spanMs: number;
  preset: boolean;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
}

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
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    const value = (record.value ?? {}) as { id?: unknown; type?: unknown; data?: unknown };
    const time = eventTime(record);
    const prev = store.get(key) ?? { version: 0, events: [], ikigai: {} };
    // A redelivered event (same id still in the window) changes nothing: at-least-once input stays idempotent here.
    if (typeof value.id === 'string' && hasId(prev.events, value.id)) return;
    const id = typeof value.id === 'string' ? value.id : `${record.timestamp}#${prev.version + 1}`;
    // The preset reads AURA360 envelopes ({id, type, time, data}); generic aggregations keep the whole value.
    const payload = o.preset ? value.data : value;
    const data = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
    const event: WindowEvent = { id, type: typeof value.type === 'string' ? value.type : 'unknown', time, data };
    const events = insertAndTrim(prev.events, event, o.maxEvents, o.spanMs);
    const newest = events[events.length - 1]!.time;
    const next: ContextState = {
      version: prev.version + 1,
      events,
      ikigai: event.type === 'user.ikigai.updated' ? applyIkigai(prev.ikigai, data, time) : prev.ikigai,
    };
    store.put(key, next);
    const aggregations = o.aggregations.length ? foldAll(o.aggregations, next.events.map((e) => (o.preset ? asEnvelope(e) : e.data))) : undefined;
    let out: Record<string, unknown>;
    if (o.preset) {
      // The summary is a fresh object: extend it rather than copy it (a spread per event shows in profiles).
      out = summarize(key, next, o.maxEvents, o.spanMs);
      if (aggregations) out.aggregations = aggregations;
    } else out = { key, window: { start: next.events[0]!.time, end: newest }, ...aggregations };
    ctx.forward({ key, value: out, timestamp: record.timestamp, headers: record.headers });
  };
}

/** With the preset, aggregations read fields of the original envelope (`data.score`, `type`). */
function asEnvelope(e: WindowEvent): unknown {
  return { id: e.id, type: e.type, time: e.time, data: e.data };
}

function hasId(events: readonly WindowEvent[], id: string): boolean {
  for (let i = 0; i < events.length; i++) if (events[i]!.id === id) return true;
  return false;
}

/**
 * The window after adding `event`: a new array (the stored one is never
 * mutated), ordered by time, the new event after older ones of the same time,
 * without events beyond `maxEvents` or older than `spanMs` before the newest.
 * Same result as appending, stable-sorting and trimming, without the sort:
 * the stored window is already ordered and events mostly arrive in order, so
 * the insertion point is found scanning back from the end (one step usually).
 * No closures: this runs once per event.
 */
export function insertAndTrim(events: readonly WindowEvent[], event: WindowEvent, maxEvents: number, spanMs: number): WindowEvent[] {
  const n = events.length;
  let pos = n;
  while (pos > 0 && events[pos - 1]!.time > event.time) pos--;
  const total = n + 1;
  const oldest = (pos === n ? event.time : events[n - 1]!.time) - spanMs;
  let start = 0;
  while (start < total && (total - start > maxEvents || merged(events, pos, event, start).time < oldest)) start++;
  const out = new Array<WindowEvent>(total - start);
  for (let i = start; i < total; i++) out[i - start] = merged(events, pos, event, i);
  return out;
}

/** Element `i` of `events` with `event` inserted at `pos`. */
function merged(events: readonly WindowEvent[], pos: number, event: WindowEvent, i: number): WindowEvent {
  return i < pos ? events[i]! : i === pos ? event : events[i - 1]!;
}
