/**
 * Store interfaces: all that processors see of state. Synchronous on purpose:
 * better-sqlite3 is synchronous and a write-merging cache sits in front, so a
 * per-record `await` would only cost time. Values are JSON-serialisable.
 */

export interface KeyValueStore<V = unknown> {
  readonly name: string;
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** All entries in key order (a snapshot; safe to mutate the store while iterating the result). */
  all(): Array<[string, V]>;
  /** Entries with from <= key <= to, in key order. */
  range(from: string, to: string): Array<[string, V]>;
  approximateCount(): number;
}

export interface WindowedEntry<V> {
  key: string;
  windowStart: number;
  value: V;
}

/** Values keyed by (key, windowStart). Used by windowed aggregates and stream-stream joins. */
export interface WindowStore<V = unknown> {
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
export interface SessionStore<V = unknown> {
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
