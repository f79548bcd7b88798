/**
 * The caching layer: the store interfaces of state/types.ts on top of a
 * StoreCache (newest values, write-merged) and a SQLite table (committed
 * values). Point reads go cache → SQLite; range reads take SQLite's ordered
 * rows and overlay the unflushed cache entries in the same order.
 *
 * Writes never touch SQLite here: they become dirty cache entries that the
 * TaskStateManager writes at completeCommit, and that the change-logging step
 * turns into changelog records at prepareCommit.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import { compareKeys, sessionKey, windowKey } from './key-codec.js';
import type { KvLayout } from './kv-layout.js';
import type { RecordCache } from './record-cache.js';
import type { RawRow, RowTable } from './sqlite-tables.js';
import type { CacheEntry, StoreCache } from './store-cache.js';
import type { ForwardCache, ForwardCacheListener, KeyValueStore, SessionEntry, SessionStore, WindowedEntry, WindowStore } from './types.js';

/** What every caching store holds: its table, its cache and the clock that stamps writes. */
export interface StoreParts<V> {
  name: string;
  table: RowTable;
  cache: StoreCache<V>;
  now: () => number;
  /** Rows in SQLite adjusted by the unflushed writes (see StoreSlot.approximateCount). */
  count: () => number;
  /** The record cache of the task (for processors that emit through it). */
  recordCache: RecordCache;
}

/** The record cache part a processor asks a store for. */
function namedCache<F>(p: StoreParts<unknown>, name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
  return p.recordCache.named(name, listener, maxBytes);
}

type Cmp = (aKey: string, aT1: number, aT2: number, bKey: string, bT1: number, bT2: number) => number;

const byKey: Cmp = (ak, _a1, _a2, bk) => compareKeys(ak, bk);
const byT1: Cmp = (_ak, a1, _a2, _bk, b1) => a1 - b1;
const byT1ThenKey: Cmp = (ak, a1, _a2, bk, b1) => a1 - b1 || compareKeys(ak, bk);
const byEndThenStart: Cmp = (_ak, a1, a2, _bk, b1, b2) => a2 - b2 || a1 - b1;

/**
 * Merges SQLite rows (already ordered by `cmp`) with unflushed cache entries
 * (any order, already filtered to the query's bounds). A cache entry replaces
 * the row with the same key; a cached delete hides it.
 */
function overlay<V, R>(
  rows: RawRow[],
  extra: CacheEntry<V>[],
  cmp: Cmp,
  make: (key: string, t1: number, t2: number, value: V) => R,
  parse: (row: RawRow) => unknown = parseRow,
): R[] {
  const out: R[] = [];
  if (extra.length > 1) extra.sort((a, b) => cmp(a.key, a.t1, a.t2, b.key, b.t1, b.t2));
  let j = 0;
  for (const row of rows) {
    while (j < extra.length) {
      const e = extra[j];
      const c = cmp(e.key, e.t1, e.t2, row[0], row[1], row[2]);
      if (c > 0) break;
      if (e.value !== undefined) out.push(make(e.key, e.t1, e.t2, e.value));
      j++;
      if (c === 0) {
        row[3] = ''; // superseded by the cache entry just emitted
        break;
      }
    }
    if (row[3] !== '') out.push(make(row[0], row[1], row[2], parse(row) as V));
  }
  for (; j < extra.length; j++) {
    const e = extra[j];
    if (e.value !== undefined) out.push(make(e.key, e.t1, e.t2, e.value));
  }
  return out;
}

function parseRow(row: RawRow): unknown {
  return JSON.parse(row[3]) as unknown;
}

function checkTime(store: string, what: string, t: number): void {
  if (!Number.isSafeInteger(t)) {
    throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: ${what} must be an integer (ms), got ${t}`);
  }
}

export class CachingKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  constructor(
    private readonly p: StoreParts<V>,
    private readonly layout: KvLayout,
  ) {
    this.name = p.name;
  }

  get(key: string): V | undefined {
    const e = this.p.cache.lookup(key);
    if (e !== undefined) return e.value;
    const physical = this.layout.physical(key);
    const json = this.p.table.getJson(physical, 0, 0);
    if (json === undefined) {
      this.p.cache.remember(key, key, 0, 0, undefined);
      return undefined;
    }
    const { value, rows } = this.layout.decode(physical, json);
    this.p.cache.remember(key, key, 0, 0, value as V, rows);
    return value as V;
  }

  /** put(key, null/undefined) deletes, as in Kafka Streams. */
  put(key: string, value: V): void {
    this.p.cache.write(key, key, 0, 0, value ?? undefined, this.p.now());
  }

  delete(key: string): void {
    this.p.cache.write(key, key, 0, 0, undefined, this.p.now());
  }

  all(): Array<[string, V]> {
    return this.scan(null, null);
  }

  range(from: string, to: string): Array<[string, V]> {
    return this.scan(from, to);
  }

  private scan(from: string | null, to: string | null): Array<[string, V]> {
    const extra: CacheEntry<V>[] = [];
    for (const e of this.p.cache.unflushedEntries()) {
      if ((from === null || compareKeys(e.key, from) >= 0) && (to === null || compareKeys(e.key, to) <= 0)) extra.push(e);
    }
    const L = this.layout;
    const { rows, parse } = L.heads(this.p.table.range(from === null ? null : L.physical(from), to === null ? null : L.physical(to)));
    return overlay(rows, extra, byKey, (k, _1, _2, v: V): [string, V] => [k, v], parse);
  }

  approximateCount(): number {
    return this.p.count();
  }

  persistListAsRows(field: string): void {
    if (!this.layout.listRows)
      throw new AuraError(
        ErrorCodes.STORE_FAILED,
        `store ${this.name} is a table materialised from a topic: its rows are the topic's records, they cannot be split`,
      );
    if (field === '') throw new AuraError(ErrorCodes.STORE_FAILED, `store ${this.name}: persistListAsRows needs a field name`);
    this.layout.listField = field;
  }

  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return namedCache(this.p as StoreParts<unknown>, name, listener, maxBytes);
  }
}

export class CachingWindowStore<V> implements WindowStore<V> {
  readonly name: string;
  constructor(private readonly p: StoreParts<V>) {
    this.name = p.name;
  }

  put(key: string, windowStart: number, value: V): void {
    checkTime(this.name, 'windowStart', windowStart);
    this.p.cache.write(windowKey(key, windowStart), key, windowStart, 0, value ?? undefined, this.p.now());
  }

  get(key: string, windowStart: number): V | undefined {
    const id = windowKey(key, windowStart);
    const e = this.p.cache.lookup(id);
    if (e !== undefined) return e.value;
    const json = this.p.table.getJson(key, windowStart, 0);
    const value = json === undefined ? undefined : (JSON.parse(json) as V);
    this.p.cache.remember(id, key, windowStart, 0, value);
    return value;
  }

  delete(key: string, windowStart: number): void {
    checkTime(this.name, 'windowStart', windowStart);
    this.p.cache.write(windowKey(key, windowStart), key, windowStart, 0, undefined, this.p.now());
  }

  fetch(key: string, timeFrom: number, timeTo: number): Array<WindowedEntry<V>> {
    const extra: CacheEntry<V>[] = [];
    for (const e of this.p.cache.unflushedOfKey(key)) if (e.t1 >= timeFrom && e.t1 <= timeTo) extra.push(e);
    return overlay(this.p.table.fetchKey(key, timeFrom, timeTo), extra, byT1, windowed);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedEntry<V>> {
    const extra: CacheEntry<V>[] = [];
    for (const e of this.p.cache.unflushedEntries()) if (e.t1 >= timeFrom && e.t1 <= timeTo) extra.push(e);
    return overlay(this.p.table.fetchAll(timeFrom, timeTo), extra, byT1ThenKey, windowed);
  }

  approximateCount(): number {
    return this.p.count();
  }

  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return namedCache(this.p as StoreParts<unknown>, name, listener, maxBytes);
  }
}

function windowed<V>(key: string, windowStart: number, _t2: number, value: V): WindowedEntry<V> {
  return { key, windowStart, value };
}

export class CachingSessionStore<V> implements SessionStore<V> {
  readonly name: string;
  constructor(private readonly p: StoreParts<V>) {
    this.name = p.name;
  }

  put(key: string, start: number, end: number, value: V): void {
    this.check(start, end);
    this.p.cache.write(sessionKey(key, start, end), key, start, end, value ?? undefined, this.p.now());
  }

  remove(key: string, start: number, end: number): void {
    this.check(start, end);
    this.p.cache.write(sessionKey(key, start, end), key, start, end, undefined, this.p.now());
  }

  /** Ordered by end, then start (sessions of one key do not overlap, so this is also start order). */
  findSessions(key: string, earliestEnd: number, latestStart: number): Array<SessionEntry<V>> {
    const extra: CacheEntry<V>[] = [];
    for (const e of this.p.cache.unflushedOfKey(key)) if (e.t2 >= earliestEnd && e.t1 <= latestStart) extra.push(e);
    return overlay(this.p.table.fetchKey(key, earliestEnd, latestStart), extra, byEndThenStart, session);
  }

  approximateCount(): number {
    return this.p.count();
  }

  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return namedCache(this.p as StoreParts<unknown>, name, listener, maxBytes);
  }

  private check(start: number, end: number): void {
    checkTime(this.name, 'session start', start);
    checkTime(this.name, 'session end', end);
    if (end < start) throw new AuraError(ErrorCodes.STORE_FAILED, `store ${this.name}: session end ${end} < start ${start}`);
  }
}

function session<V>(key: string, start: number, end: number, value: V): SessionEntry<V> {
  return { key, start, end, value };
}
