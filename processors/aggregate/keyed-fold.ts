/**
 * Unwindowed aggregates: one set of accumulators per key, kept in a key-value
 * store and updated record by record (Kafka Streams' KGroupedStream#aggregate).
 * Unlike the context window it keeps no event list, so it folds every record
 * of a key however many there are, in constant space per key.
 *
 * Per record: one store get, the accumulators folded in place (the stored
 * object is changed and put back, as the store contract allows), one put, and
 * the output — built now (`emit: on_update`) or when the record cache emits the
 * key (`emit: on_commit`), from the state as it is then.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import { type Accs, accsShape } from './accs-json.js';
import type { Aggregation } from './accumulators.js';
import { openRecordCache } from './emit-cache.js';
import { outputBuilder } from './output-json.js';

export interface KeyedFoldOptions {
  storeName: string;
  aggregations: Aggregation[];
  keyOf(record: StreamRecord): string | null;
  /** `emit: on_commit`: the record cache part's bound (undefined: the task's budget); null: emit every update. */
  cache: { maxBytes: number | undefined } | null;
}

export function keyedFoldProcessor(ctx: ProcessorContext, o: KeyedFoldOptions): (record: StreamRecord) => void {
  const store: KeyValueStore<Accs> = ctx.getKeyValueStore<Accs>(o.storeName);
  const aggs = o.aggregations;
  const n = aggs.length;
  // The state's own JSON writer at commit (accs-json.ts); state read back from SQLite is adopted into it.
  const shape = accsShape(aggs);
  let outputBytes = 16;
  for (const a of aggs) outputBytes += a.outputBytes;
  // The output's own JSON writer too (output-json.ts), for the JSON serde at the sink.
  const output = outputBuilder(aggs);
  const emit = (key: string, accs: Accs, timestamp: number, headers: Record<string, string>): void => {
    ctx.forward({ key, value: output(key, accs), timestamp, headers });
  };
  const cache = o.cache === null ? null : openRecordCache<Accs>(ctx, store, emit, o.cache.maxBytes);
  return (record) => {
    const key = o.keyOf(record);
    if (key === null) return;
    let accs = store.get(key);
    accs = accs === undefined ? shape.create() : shape.adopt(accs);
    const value = record.value;
    for (let i = 0; i < n; i++) {
      const a = aggs[i]!;
      let acc = accs[a.name];
      if (acc === undefined) accs[a.name] = acc = a.create();
      a.fold(acc, value);
    }
    store.put(key, accs);
    if (cache === null) emit(key, accs, record.timestamp, record.headers);
    else cache.put(key, accs, outputBytes, record.timestamp, record.headers);
  };
}
