/**
 * `aura store` on a state directory: the tasks' SQLite databases read with
 * runtime/store-reader.ts (read-only, committed state), the key placed with
 * the engine's partitioner. A task whose database is not in this directory
 * ran elsewhere (or never ran): said so, never guessed.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import { type StoreEntry, TaskStoreReader } from '../runtime/store-reader.js';
import type { Pipeline } from '../topology/model.js';
import { partitionForKey } from '../transports/murmur2.js';

export type StoreCommand = 'get' | 'scan' | 'count';

export type StoreReadResult = { kind: 'ok'; body: unknown; entries?: unknown[]; note?: string } | { kind: 'missing'; message: string };

export interface OfflineRequest {
  pipeline: Pipeline;
  stateDir: string;
  store: string;
  key?: string;
  prefix?: string;
  limit?: number;
}

function storeOf(pipeline: Pipeline, store: string) {
  const spec = Object.hasOwn(pipeline.stores, store) ? pipeline.stores[store] : undefined;
  const st = pipeline.subtopologies.find((s) => s.stores.includes(store));
  if (!spec || !st) {
    throw new AuraError(
      ErrorCodes.CONFIG_INVALID,
      `${pipeline.app} has no store ${JSON.stringify(store)} (its stores: ${Object.keys(pipeline.stores).join(', ')})`,
    );
  }
  return { spec, st };
}

function withReader<T>(r: OfflineRequest, taskId: string, read: (reader: TaskStoreReader) => T): T | undefined {
  const reader = TaskStoreReader.open(r.stateDir, r.pipeline.app, taskId);
  if (!reader) return undefined;
  try {
    return read(reader);
  } finally {
    reader.close();
  }
}

export function offlineStore(command: StoreCommand, r: OfflineRequest): StoreReadResult {
  const { spec, st } = storeOf(r.pipeline, r.store);
  const tasks = Array.from({ length: st.partitions }, (_, p) => ({ partition: p, taskId: `${st.id}_${p}` }));
  if (command === 'get') {
    const partition = partitionForKey(r.key!, st.partitions);
    const taskId = `${st.id}_${partition}`;
    const found = withReader(r, taskId, (reader) => ({ entries: reader.get(r.store, spec.kind, r.key!), checkpoint: reader.checkpoint() }));
    if (!found)
      return {
        kind: 'missing',
        message: `key ${JSON.stringify(r.key)} is in partition ${partition} (task ${taskId}), which has no database in ${r.stateDir}: it ran on another instance, or not yet`,
      };
    if (found.entries.length === 0) return { kind: 'missing', message: `store ${r.store} has no entry for key ${JSON.stringify(r.key)} (task ${taskId})` };
    const body = { store: r.store, kind: spec.kind, key: r.key, partition, task: taskId, checkpoint: found.checkpoint };
    return { kind: 'ok', body: spec.kind === 'key_value' ? { ...body, value: found.entries[0]!.value } : { ...body, entries: found.entries } };
  }
  const absent: string[] = [];
  if (command === 'count') {
    const partitions: Array<{ partition: number; task: string; count: number }> = [];
    for (const t of tasks) {
      const n = withReader(r, t.taskId, (reader) => reader.count(r.store, spec.kind, r.prefix));
      if (n === undefined) absent.push(t.taskId);
      else partitions.push({ partition: t.partition, task: t.taskId, count: n });
    }
    const body = { store: r.store, count: partitions.reduce((n, p) => n + p.count, 0), partitions, ...(absent.length ? { tasks_not_here: absent } : {}) };
    return { kind: 'ok', body, note: absent.length ? `not in ${r.stateDir}: tasks ${absent.join(', ')}` : undefined };
  }
  const limit = r.limit ?? 100;
  const entries: Array<StoreEntry & { partition: number }> = [];
  for (const t of tasks) {
    if (entries.length >= limit) break;
    const page = withReader(r, t.taskId, (reader) => reader.scan(r.store, spec.kind, { prefix: r.prefix, limit: limit - entries.length }));
    if (!page) absent.push(t.taskId);
    else for (const e of page.entries) entries.push({ partition: t.partition, ...e });
  }
  return { kind: 'ok', body: undefined, entries, note: absent.length ? `not in ${r.stateDir}: tasks ${absent.join(', ')}` : undefined };
}
