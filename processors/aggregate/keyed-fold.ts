/**
 * Unwindowed aggregates: one set of accumulators per key, kept in a key-value
 * store and updated record by record (Kafka Streams' KGroupedStream#aggregate).
 * Unlike the context window it keeps no event list, so it folds every record
 * of a key however many there are, in constant space per key.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import type { Acc, Aggregation } from './accumulators.js';

export interface KeyedFoldOptions {
  storeName: string;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
}

type Accs = Record<string, Acc>;

export function keyedFoldProcessor(ctx: ProcessorContext, o: KeyedFoldOptions): (record: StreamRecord) => void {
  const store: KeyValueStore<Accs> = ctx.getKeyValueStore<Accs>(o.storeName);
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    const prev = store.get(key);
    const next: Accs = {};
    for (const a of o.aggregations) next[a.name] = a.add(prev?.[a.name], record.value);
    store.put(key, next);
    const out: Record<string, unknown> = { key };
    for (const a of o.aggregations) out[a.name] = a.result(next[a.name]);
    ctx.forward({ key, value: out, timestamp: record.timestamp, headers: record.headers });
  };
}
