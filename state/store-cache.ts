/**
 * The write-merging cache of one store. Every entry is in exactly one of:
 *
 * - `clean`:     same content as SQLite (a read-through copy, possibly a
 *                known-absent key); bounded, evicted oldest-first.
 * - `unflushed`: not in SQLite yet. Either `dirty` (written since the last
 *                prepareCommit; also listed in `dirty`) or `pinned` (its value
 *                was handed out by prepareCommit and waits for completeCommit;
 *                `pins` counts such commits, two when transactions overlap),
 *                or committed but not written yet (write-behind, store-slot.ts),
 *                or several of these when it was written again after prepareCommit.
 *
 * Unflushed entries are never evicted: they are the only copy of the newest
 * value until completeCommit writes it. Repeated writes of one key between
 * commits touch one entry, which becomes one SQLite row write and one
 * changelog record.
 *
 * Values are kept by reference (no copy per get/put: that is what makes a
 * get+put cost well under a microsecond). Values are serialised once, at
 * prepareCommit, by the store slot (store-slot.ts), which also knows the
 * store's physical layout (list-rows.ts).
 */

import type { ListRows, RowWrite } from './list-rows.js';
import type { StoreKindName } from './types.js';

export interface CacheEntry<V = unknown> {
  /** Encoded store key (see key-codec.ts), also the changelog key. */
  readonly id: string;
  readonly key: string;
  readonly t1: number;
  readonly t2: number;
  /** undefined: deleted (when unflushed) or absent from SQLite (when clean). */
  value: V | undefined;
  /** Time of the last write (row ts in SQLite, changelog record timestamp). */
  ts: number;
  dirty: boolean;
  /** Prepared commits holding a value of this entry that have not completed yet. */
  pins: number;
  /** Whether SQLite holds a row for this key; undefined when unknown (blind write). */
  inDb: boolean | undefined;
  /**
   * List-rows stores: what of the list is persisted (or prepared) in segment rows (list-rows.ts);
   * undefined when unknown (the entry was written without being read).
   */
  rows?: ListRows;
  /**
   * The store slot's committed-unwritten item of this entry (write-behind, store-slot.ts), kept on
   * the entry so that deferring a commit's items costs no Map operation per key.
   */
  deferred: FlushItem | undefined;
}

/** One entry's value as captured by prepareCommit. */
export interface FlushItem {
  entry: CacheEntry;
  /** Physical key: the SQLite row and the changelog record key. */
  id: string;
  /**
   * JSON of the value, or its UTF-8 bytes (a view of the commit's JsonArena, json-arena.ts, shared by
   * the changelog record and the SQLite row); null for a delete.
   */
  json: string | Buffer | null;
  ts: number;
  /** List-rows stores: element rows written (or removed) with this head. */
  rows?: RowWrite[];
}

export class StoreCache<V = unknown> {
  private readonly clean = new Map<string, CacheEntry<V>>();
  private readonly unflushed = new Map<string, CacheEntry<V>>();
  private readonly dirty = new Map<string, CacheEntry<V>>();
  /** Window/session stores: unflushed entries per user key, so fetch(key, ..) overlays only its own entries. */
  private readonly byKey: Map<string, Map<string, CacheEntry<V>>> | null;
  hits = 0;
  misses = 0;
  /**
   * The unflushed entry lookup() found last: a processor's get is usually followed by its put of
   * the same key, which then skips the second Map lookup. Forgotten whenever an entry leaves
   * `unflushed`.
   */
  private lastId: string | undefined = undefined;
  private lastEntry: CacheEntry<V> | undefined = undefined;

  constructor(
    readonly name: string,
    kind: StoreKindName,
    private readonly maxClean: number,
  ) {
    this.byKey = kind === 'key_value' ? null : new Map();
  }

  /** Counts a hit or a miss; the caller reads SQLite on a miss. */
  lookup(id: string): CacheEntry<V> | undefined {
    let e = this.unflushed.get(id);
    if (e !== undefined) {
      this.lastId = id;
      this.lastEntry = e;
    } else e = this.clean.get(id);
    if (e === undefined) this.misses++;
    else this.hits++;
    return e;
  }

  /** Records what SQLite holds for a key just read (value undefined = no row; rows: its persisted list elements). */
  remember(id: string, key: string, t1: number, t2: number, value: V | undefined, rows?: ListRows): void {
    const e: CacheEntry<V> = { id, key, t1, t2, value, ts: 0, dirty: false, pins: 0, inDb: value !== undefined, rows, deferred: undefined };
    this.clean.set(id, e);
    if (this.clean.size > this.maxClean) this.evict();
  }

  /** A put (value defined) or a delete (value undefined). `inDb` is a hint when the caller knows it. */
  write(id: string, key: string, t1: number, t2: number, value: V | undefined, ts: number, inDb?: boolean): void {
    let e = id === this.lastId ? this.lastEntry : this.unflushed.get(id);
    if (e === undefined) {
      e = this.clean.get(id);
      if (e !== undefined) this.clean.delete(id);
      else e = { id, key, t1, t2, value, ts, dirty: false, pins: 0, inDb, rows: undefined, deferred: undefined };
      this.unflushed.set(id, e);
      if (this.byKey !== null) {
        let m = this.byKey.get(key);
        if (m === undefined) this.byKey.set(key, (m = new Map()));
        m.set(id, e);
      }
    }
    e.value = value;
    e.ts = ts;
    if (inDb !== undefined) e.inDb = inDb;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.set(id, e);
    }
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  get unflushedCount(): number {
    return this.unflushed.size;
  }

  /** Unflushed entries (dirty or pinned), for overlaying SQLite range results. */
  unflushedEntries(): IterableIterator<CacheEntry<V>> {
    return this.unflushed.values();
  }

  unflushedOfKey(key: string): Iterable<CacheEntry<V>> {
    return this.byKey?.get(key)?.values() ?? [];
  }

  /** prepareCommit: pins the dirty entries until their commit completes and returns their values serialised by `encode`. */
  drainDirty(encode: (e: CacheEntry<V>) => FlushItem): FlushItem[] {
    const items: FlushItem[] = new Array(this.dirty.size);
    let i = 0;
    for (const e of this.dirty.values()) {
      e.dirty = false;
      e.pins++;
      items[i++] = encode(e);
    }
    this.dirty.clear();
    return items;
  }

  /** The items are in SQLite now; entries not rewritten (nor prepared again) since become clean. */
  completeFlush(items: FlushItem[]): void {
    for (const item of items) {
      const e = item.entry as CacheEntry<V>;
      e.inDb = item.json !== null;
      // Written again after prepareCommit, or held by a later prepared commit: still unflushed.
      if (e.dirty || e.pins > 0) continue;
      this.unflushed.delete(e.id);
      if (e.id === this.lastId) this.lastId = this.lastEntry = undefined;
      if (this.byKey !== null) {
        const m = this.byKey.get(e.key);
        if (m !== undefined && m.delete(e.id) && m.size === 0) this.byKey.delete(e.key);
      }
      this.clean.set(e.id, e);
    }
    if (this.clean.size > this.maxClean) this.evict();
  }

  /** abortCommit: everything not in SQLite is dropped; clean copies too, in case a processor mutated a cached value in place. */
  clear(): void {
    this.lastId = this.lastEntry = undefined;
    this.clean.clear();
    this.unflushed.clear();
    this.dirty.clear();
    this.byKey?.clear();
  }

  isUnflushed(id: string): boolean {
    return this.unflushed.has(id);
  }

  /** After restore wrote SQLite directly: clean copies may be stale. */
  invalidateClean(): void {
    this.clean.clear();
  }

  /** After restore wrote SQLite directly: whether a row exists (and which list rows) must be looked up again. */
  forgetDbPresence(): void {
    for (const e of this.unflushed.values()) {
      e.inDb = undefined;
      e.rows = undefined;
    }
  }

  private evict(): void {
    // Evict down to 90% so eviction runs once per maxClean/10 inserts, not on every one.
    const target = Math.floor(this.maxClean * 0.9);
    for (const id of this.clean.keys()) {
      if (this.clean.size <= target) break;
      this.clean.delete(id);
    }
  }
}
