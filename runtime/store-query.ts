/**
 * Read-only queries on the state stores of a running instance, in the spirit
 * of Kafka Streams' interactive queries (`KafkaStreams#store`,
 * `queryMetadataForKey`): which task (sub-topology × partition) owns key K of
 * store S, is it running here, and what it holds — without reaching into
 * tasks. The gateway answers `/api/users/:id/context` and the operator API
 * with it; where the owner is another instance it forwards (gateway/queries).
 *
 *  - `get` reads the live store, as the next record of that key would see it
 *    (under exactly-once that may include the changes of the transaction in
 *    flight, as Kafka Streams' interactive queries do);
 *  - `scan` and `count` read the task's last committed state from SQLite, in
 *    pages (store-reader.ts): a scan never holds a whole store in memory.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../state/types.js';
import type { StoreKind, SubTopology } from '../topology/model.js';
import type { StreamEngine } from './engine.js';
import { type ScanOptions, type StoreEntry, TaskStoreReader } from './store-reader.js';
import { taskSubtopologyId } from './task-units.js';

export type { ScanOptions, StoreEntry } from './store-reader.js';

export interface StoreInfo {
  id: string;
  kind: StoreKind;
  subtopology: number;
  partitions: number;
  changelog: string | null;
}

export interface KeyLocation {
  store: string;
  partition: number;
  taskId: string;
}

/** What StoreQuery needs of a running pipeline (runtime/app.ts's PipelineApp has it). */
export interface StoreQueryHost {
  engine: StreamEngine;
  stateDir: string;
}

export class StoreQuery {
  constructor(private readonly host: StoreQueryHost) {}

  private get pipeline() {
    return this.host.engine.options.pipeline;
  }

  stores(): StoreInfo[] {
    return Object.keys(this.pipeline.stores).map((id) => this.store(id));
  }

  /** The store's description; STORE_UNKNOWN-like CONFIG_INVALID when the pipeline has no such store. */
  store(storeId: string): StoreInfo {
    const spec = Object.hasOwn(this.pipeline.stores, storeId) ? this.pipeline.stores[storeId] : undefined;
    const st = spec && this.subtopologyOf(storeId);
    if (!spec || !st) throw new AuraError(ErrorCodes.CONFIG_INVALID, `the pipeline has no store ${JSON.stringify(storeId)}`, { details: { store: storeId } });
    return { id: storeId, kind: spec.kind, subtopology: st.id, partitions: st.partitions, changelog: spec.changelogTopic };
  }

  /** Where `key` of `storeId` lives, with the partitioner of the engine (and of Kafka). */
  locate(storeId: string, key: string): KeyLocation {
    const info = this.store(storeId);
    const partition = this.host.engine.options.transport.partitionFor(key, info.partitions);
    return { store: storeId, partition, taskId: this.taskId(storeId, partition) };
  }

  taskId(storeId: string, partition: number): string {
    // A fused sub-topology's stores live in the tasks of its chain's head (runtime/task-units.ts).
    const info = this.store(storeId); // throws for a store the pipeline does not have
    const st = this.pipeline.subtopologies.find((s) => s.id === info.subtopology) as SubTopology;
    return `${taskSubtopologyId(st)}_${partition}`;
  }

  /** Whether the task runs (and is restored) on this instance. */
  isLocal(taskId: string): boolean {
    return this.host.engine.tasks.has(taskId);
  }

  /** The partitions of the store whose task runs here. */
  localPartitions(storeId: string): number[] {
    const info = this.store(storeId);
    return Array.from({ length: info.partitions }, (_, p) => p).filter((p) => this.isLocal(this.taskId(storeId, p)));
  }

  /**
   * The live entries of `key` (one for a key-value store, one per window or session),
   * `entries: undefined` when its task does not run here.
   */
  get(storeId: string, key: string): KeyLocation & { entries: StoreEntry[] | undefined } {
    const loc = this.locate(storeId, key);
    const task = this.host.engine.tasks.get(loc.taskId);
    if (!task) return { ...loc, entries: undefined };
    const kind = this.store(storeId).kind;
    const store = task.options.state.getStore(storeId);
    let entries: StoreEntry[];
    if (kind === 'key_value') {
      const value = (store as KeyValueStore).get(key);
      entries = value === undefined ? [] : [{ key, value }];
    } else if (kind === 'window') {
      entries = (store as WindowStore).fetch(key, -Infinity, Infinity).map((w) => ({ key, value: w.value, window_start: w.windowStart }));
    } else {
      entries = (store as SessionStore)
        .findSessions(key, -Infinity, Infinity)
        .map((s) => ({ key, value: s.value, session_start: s.start, session_end: s.end }));
    }
    return { ...loc, entries };
  }

  /** A page of the committed entries of one partition of the store; undefined when its task does not run here. */
  scan(storeId: string, partition: number, options: ScanOptions): { entries: StoreEntry[]; more: boolean } | undefined {
    return this.withReader(storeId, partition, (r, kind) => r.scan(storeId, kind, options));
  }

  /** Committed entries (rows) of one partition, optionally only keys with a prefix; undefined when not here. */
  count(storeId: string, partition: number, prefix?: string): number | undefined {
    return this.withReader(storeId, partition, (r, kind) => r.count(storeId, kind, prefix));
  }

  private withReader<T>(storeId: string, partition: number, read: (r: TaskStoreReader, kind: StoreKind) => T): T | undefined {
    const info = this.store(storeId);
    const taskId = this.taskId(storeId, partition);
    if (!this.isLocal(taskId)) return undefined;
    const reader = TaskStoreReader.open(this.host.stateDir, this.pipeline.app, taskId);
    if (!reader) return undefined;
    try {
      return read(reader, info.kind);
    } finally {
      reader.close();
    }
  }

  private subtopologyOf(storeId: string): SubTopology | undefined {
    return this.pipeline.subtopologies.find((s) => s.stores.includes(storeId));
  }
}

const queries = new WeakMap<StoreQueryHost, StoreQuery>();

/** The StoreQuery of a running pipeline (one per PipelineApp). */
export function storeQuery(host: StoreQueryHost): StoreQuery {
  let q = queries.get(host);
  if (!q) queries.set(host, (q = new StoreQuery(host)));
  return q;
}
