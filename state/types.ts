/**
 * Store interfaces: all that processors see of state. Synchronous on purpose:
 * better-sqlite3 is synchronous and a write-merging cache sits in front, so a
 * per-record `await` would only cost time. Values are JSON-serialisable.
 *
 * Values read from a store are the cached objects themselves (no copy per
 * read): change one only to put it back. Uncommitted changes, in-place ones
 * included, are discarded when a commit aborts.
 */

/**
 * A processor's part of its task's record cache (state/record-cache.ts): the
 * latest update per key, forwarded (to the listener given when it was made)
 * once at the next commit, or earlier when the cache evicts it.
 */
export interface ForwardCache<F> {
  /** Makes `value` the pending update of `key`; `sizeBytes` estimates the record it becomes. May evict (forward) older entries. */
  put(key: string, value: F, sizeBytes: number, timestamp: number, headers: Record<string, string>): void;
  /** The pending update of `key`, if any. */
  pending(key: string): F | undefined;
  /** Pending updates. */
  readonly size: number;
}

/** Called with each update leaving a record cache (at a flush or an eviction), synchronously. */
export type ForwardCacheListener<F> = (key: string, value: F, timestamp: number, headers: Record<string, string>) => void;

/**
 * A value whose prototype has a method under this symbol is serialised by it at commit (the
 * store's SQLite row and changelog record) and by the JSON serde of record values
 * (runtime/serde.ts) instead of by JSON.stringify. The method must return exactly
 * JSON.stringify(value): it is a faster writer for a shape its owner knows (the keyed fold's
 * accumulators, processors/aggregate/accs-json.ts, and its output records, output-json.ts), not
 * another format.
 */
export const STORE_JSON: unique symbol = Symbol.for('aura.storeJson');

/**
 * Beside STORE_JSON, a value's prototype may have a method under this symbol that writes the UTF-8
 * bytes of exactly the same text into a JsonArena (state/json-arena.ts) and returns true, or writes
 * nothing and returns false when the value is not of its shape (then STORE_JSON or JSON.stringify
 * writes it). Key-value stores use it at commit (kv-layout.ts): the changelog record and the SQLite
 * row then share the bytes, and no string is built.
 */
export const STORE_JSON_BYTES: unique symbol = Symbol.for('aura.storeJsonBytes');

/** What every store offers beyond its data. */
export interface StoreExtras {
  /**
   * The named part `name` (one per processor node) of the record cache of the task that owns
   * this store, bounded by `maxBytes` (default and at most: the task's budget). Optional:
   * stores that are not backed by a task state (test doubles) may lack it.
   */
  recordCache?<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F>;
}

export interface KeyValueStore<V = unknown> extends StoreExtras {
  readonly name: string;
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** All entries in key order (a snapshot; safe to mutate the store while iterating the result). */
  all(): Array<[string, V]>;
  /** Entries with from <= key <= to, in key order. */
  range(from: string, to: string): Array<[string, V]>;
  approximateCount(): number;
  /**
   * From now on, persist the array at `field` of the values written one row per element
   * (state/list-rows.ts): a commit writes the elements added or removed since the last one, not
   * the whole value. Elements are tracked by reference, so never change a stored element in
   * place. Reads return whole values either way. Not for tables materialised from a topic.
   */
  persistListAsRows?(field: string): void;
}

export interface WindowedEntry<V> {
  key: string;
  windowStart: number;
  value: V;
}

/** Values keyed by (key, windowStart). Used by windowed aggregates and stream-stream joins. */
export interface WindowStore<V = unknown> extends StoreExtras {
  readonly name: string;
  put(key: string, windowStart: number, value: V): void;
  get(key: string, windowStart: number): V | undefined;
  delete(key: string, windowStart: number): void;
  /** Entries of `key` whose windowStart is within [timeFrom, timeTo], oldest first. */
  fetch(key: string, timeFrom: number, timeTo: number): Array<WindowedEntry<V>>;
  /** All keys, windowStart within [timeFrom, timeTo]. */
  fetchAll(timeFrom: number, timeTo: number): Array<WindowedEntry<V>>;
  approximateCount(): number;
}

export interface SessionEntry<V> {
  key: string;
  start: number;
  end: number;
  value: V;
}

/** Sessions keyed by (key, start, end). */
export interface SessionStore<V = unknown> extends StoreExtras {
  readonly name: string;
  put(key: string, start: number, end: number, value: V): void;
  remove(key: string, start: number, end: number): void;
  /** Sessions of `key` that overlap [earliestEnd, latestStart] (end >= earliestEnd and start <= latestStart). */
  findSessions(key: string, earliestEnd: number, latestStart: number): Array<SessionEntry<V>>;
  approximateCount(): number;
}

export type AnyStore = KeyValueStore | WindowStore | SessionStore;

/** One change to send to a changelog: key is the encoded store key, value null is a tombstone. */
export interface ChangelogRecord {
  /** Physical changelog topic. */
  topic: string;
  partition: number;
  key: string;
  value: Buffer | null;
  timestamp: number;
}

// ---------------------------------------------------------------------------
// Engine-facing types (used by the runtime through TaskStateManager, never by
// processors). Added for the state implementation; the interfaces above are
// unchanged.
// ---------------------------------------------------------------------------

export type StoreKindName = 'key_value' | 'window' | 'session';

/**
 * What the state layer needs to know about a store. Structurally a subset of
 * topology's StoreSpec, so a StoreSpec can be passed as is (state/ does not
 * import topology/).
 */
export interface StoreRegistration {
  id: string;
  kind: StoreKindName;
  /** Physical changelog topic; null for a table materialised from a topic, or logging off. */
  changelogTopic: string | null;
  /** Table stores: the topic id the table is materialised from. */
  fromTopic?: string;
  /** Table stores: the physical topic name (preferred over fromTopic for checkpoints). */
  sourceTopic?: string;
  /** Rows whose last update is older than this are purged (and tombstoned). */
  ttlMs?: number;
  /** Window/session stores: rows whose window start (window) or end (session) is older than this are purged. */
  retentionMs?: number;
  /** Window stores: the window size. Informational here (retention is measured from the window start). */
  windowSizeMs?: number;
}

/** One record read back from a changelog (or a table's source topic) during restore. */
export interface RestoreRecord {
  /** The encoded store key (see state/key-codec.ts). */
  key: string;
  /** JSON bytes; null is a tombstone. */
  value: Buffer | null;
  offset: number;
  timestamp?: number;
}

/** Where restore must start reading for one store. */
export interface RestorePlanEntry {
  storeId: string;
  topic: string;
  partition: number;
  /** Next offset to read: the checkpoint, or 0 when there is none (new database). */
  fromOffset: number;
  /** True for a table store read from its source topic (use restoreFromTable). */
  table: boolean;
}

/** Latency of one operation type. `buckets[i]` counts samples <= LATENCY_BUCKETS_MS[i]; the last slot is +Inf. Not cumulative. */
export interface LatencyStats {
  count: number;
  sumMs: number;
  maxMs: number;
  buckets: number[];
}

export type MeteredOp = 'put' | 'get' | 'delete' | 'range';

/** Counters of one store, for export (e.g. to Prometheus) by the runtime. */
export interface StoreMetrics {
  store: string;
  kind: StoreKindName;
  puts: number;
  gets: number;
  deletes: number;
  /** range/all/fetch/fetchAll/findSessions calls. */
  ranges: number;
  cacheHits: number;
  cacheMisses: number;
  /** Sampled latencies (see MeteringOptions.sampleEvery). */
  latency: Record<MeteredOp, LatencyStats>;
}

/** How long committed state may wait in memory for its SQLite write (`defaults: state_flush_interval`). */
export const DEFAULT_STATE_FLUSH_INTERVAL_MS = 1000;
