/**
 * Windowed stream-stream join (Kafka Streams' KStream#join/leftJoin with
 * JoinWindows): a record joins every record of the other side with the same
 * key whose timestamp is within `size` of its own. Both sides are buffered in
 * window stores (`<join>_left`, `<join>_right`, changelogged). A left join
 * emits an unmatched left record with `right: null` once its window has
 * closed (stream time past its time + size + grace), as Kafka Streams 3+ does,
 * so a match arriving within the window is never preceded by a null result.
 */

import type { StreamRecord } from '../../processors/types.js';
import type { WindowStore } from '../../state/types.js';
import type { Receiver } from '../node.js';
import type { JoinFactoryInput } from '../task-graph.js';

interface Buffered {
  value: unknown;
  headers: Record<string, string>;
  matched: boolean;
}

export function streamStreamJoin({ spec, context, sideOf }: JoinFactoryInput): Receiver {
  const j = spec.join!;
  const size = j.windowSizeMs ?? 0;
  const grace = j.graceMs ?? 0;
  const stores: Record<'left' | 'right', WindowStore<Buffered[]>> = {
    left: context.getWindowStore<Buffered[]>(j.leftStore!),
    right: context.getWindowStore<Buffered[]>(j.rightStore!),
  };
  const emit = (key: string, left: unknown, right: unknown, timestamp: number, headers: Record<string, string>): void =>
    context.forward({ key, value: { left, right }, timestamp, headers });

  context.schedule(Math.max(1, Math.min(size || 1000, 1000)), 'stream_time', (now) => {
    const closedBefore = now - size - grace;
    for (const side of ['left', 'right'] as const) {
      for (const e of stores[side].fetchAll(Number.MIN_SAFE_INTEGER, closedBefore - 1)) {
        if (side === 'left' && j.kind === 'left') {
          for (const b of e.value) if (!b.matched) emit(e.key, b.value, null, e.windowStart, b.headers);
        }
        stores[side].delete(e.key, e.windowStart);
      }
    }
  });

  return (record: StreamRecord, from: string, port: string) => {
    if (record.key === null) return;
    const side = sideOf(from, port);
    const other = side === 'left' ? 'right' : 'left';
    const t = record.timestamp;
    if (t < context.streamTime() - size - grace) {
      context.lateRecordDropped(); // too late: its window has closed
      return;
    }
    let matched = false;
    for (const e of stores[other].fetch(record.key, t - size, t + size)) {
      let changed = false;
      for (const b of e.value) {
        matched = true;
        if (side === 'left') emit(record.key, record.value, b.value, Math.max(t, e.windowStart), record.headers);
        else emit(record.key, b.value, record.value, Math.max(t, e.windowStart), record.headers);
        if (!b.matched) {
          b.matched = true;
          changed = true;
        }
      }
      if (changed) stores[other].put(record.key, e.windowStart, e.value);
    }
    const existing = stores[side].get(record.key, t) ?? [];
    stores[side].put(record.key, t, [...existing, { value: record.value, headers: record.headers, matched }]);
  };
}
