/**
 * Sliding windows on a window store: each record is kept under (key, its
 * time), and the record's arrival emits the aggregate of its key's records
 * within `size` before it — the window [t − size, t], both ends included (as
 * Kafka Streams' SlidingWindows). The store's retention (size + grace) bounds
 * what is kept, so a busy key costs rows, not an ever-growing event list.
 * A record more than `grace` behind stream time is dropped: its window closed.
 */
import type { WindowStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import { type Acc, type Aggregation } from './accumulators.js';

export interface SlidingWindowOptions {
  storeName: string;
  sizeMs: number;
  graceMs: number;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
  timeOf(record: StreamRecord): number;
}

export function slidingWindowProcessor(ctx: ProcessorContext, o: SlidingWindowOptions): (record: StreamRecord) => void {
  // Values of the records of one key at one time (several records may share a timestamp).
  const store: WindowStore<unknown[]> = ctx.getWindowStore<unknown[]>(o.storeName);
  let lateDropped = 0;
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    const t = o.timeOf(record);
    if (t + o.graceMs < Math.max(ctx.streamTime(), record.timestamp)) {
      lateDropped++;
      ctx.lateRecordDropped();
      if (lateDropped % 1000 === 1) ctx.logger.debug({ key, t, lateDropped }, 'late record dropped (sliding window closed)');
      return;
    }
    store.put(key, t, [...(store.get(key, t) ?? []), record.value]);
    const out: Record<string, unknown> = { key, window: { start: t - o.sizeMs, end: t } };
    const accs: Array<Acc | undefined> = o.aggregations.map(() => undefined);
    for (const e of store.fetch(key, t - o.sizeMs, t)) {
      for (const value of e.value) o.aggregations.forEach((a, i) => (accs[i] = a.add(accs[i], value)));
    }
    o.aggregations.forEach((a, i) => (out[a.name] = a.result(accs[i])));
    ctx.forward({ key, value: out, timestamp: record.timestamp, headers: record.headers });
  };
}
