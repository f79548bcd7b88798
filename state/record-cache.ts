/**
 * The record cache of one task, after Kafka Streams' ThreadCache/NamedCache:
 * a processor that emits through it (an `aggregate` with `emit: on_commit`)
 * hands it the latest update of a key instead of forwarding it; updates of the
 * same key merge into one entry, and the entry is forwarded downstream once —
 * when the task commits (flush, before the commit is prepared), or earlier when
 * the cache is over its size bound and evicts its least recently updated entry.
 *
 * One RecordCache per task, bounded in (estimated) bytes; one named part per
 * processor, optionally with its own bound. After a put, while the processor's
 * part is over its bound or the task's cache over its budget, the least
 * recently updated entry of that part is evicted and forwarded (Kafka Streams
 * evicts from the cache being written too; it then flushes all dirty entries
 * of that cache, where this forwards only the evicted one: the cache holds
 * nothing but pending updates, so there is nothing clean to keep).
 *
 * Flush order is the order of last update (oldest first), in each part; parts
 * flush in the order they were created, which is the task's topological order
 * (processors initialise in that order), so a cached processor downstream of
 * another receives the upstream flush before its own.
 *
 * The cache keeps references: an entry's value is typically the processor's
 * state object for the key, which the store's write cache holds anyway. Sizes
 * are what the processor estimates for the record it will forward.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';

/** Kafka Streams' default `statestore.cache.max.bytes`. */
export const DEFAULT_RECORD_CACHE_BYTES = 10 * 1024 * 1024;

/** Fixed cost counted per entry on top of the processor's estimate (the entry, its map slot, the key). */
const ENTRY_OVERHEAD = 64;

/** Receives a merged update when it leaves the cache (flush or eviction). Synchronous, like forward(). */
export type RecordCacheListener<V> = (key: string, value: V, timestamp: number, headers: Record<string, string>) => void;

interface Entry<V> {
  key: string;
  value: V;
  timestamp: number;
  headers: Record<string, string>;
  bytes: number;
  /** The update order (least recently updated first), a list through the entries. */
  prev: Entry<V> | null;
  next: Entry<V> | null;
}

export interface RecordCacheStats {
  puts: number;
  /** Puts that replaced a pending update of the same key (records saved). */
  merged: number;
  evictions: number;
  /** Records handed to listeners (by flushes and evictions). */
  forwarded: number;
  flushes: number;
}

/** A processor's part of its task's record cache. */
export class NamedRecordCache<V = unknown> {
  /**
   * Pending updates by key; their order (least recently updated first, the eviction and flush
   * order) is the list head → tail. An update moves its entry to the tail: no Map delete and
   * re-insert per update (which left a deleted slot each time and rehashed the Map every few
   * thousand updates).
   */
  private readonly entries = new Map<string, Entry<V>>();
  private head: Entry<V> | null = null;
  private tail: Entry<V> | null = null;
  private bytesHere = 0;

  constructor(
    readonly name: string,
    private readonly owner: RecordCache,
    private readonly listener: RecordCacheListener<V>,
    /** This part's own bound; the task's budget applies as well. */
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.bytesHere;
  }

  /** The pending update of `key`, if any (what the next flush would forward). */
  pending(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /**
   * Makes `value` the pending update of `key`. `sizeBytes` estimates the record that will be
   * forwarded. May evict (and so forward) older entries of this part before returning.
   */
  put(key: string, value: V, sizeBytes: number, timestamp: number, headers: Record<string, string>): void {
    const bytes = ENTRY_OVERHEAD + 2 * key.length + (sizeBytes > 0 ? sizeBytes : 0);
    const stats = this.owner.stats;
    stats.puts++;
    let e = this.entries.get(key);
    if (e !== undefined) {
      stats.merged++;
      this.resize(bytes - e.bytes);
      e.value = value;
      e.timestamp = timestamp;
      e.headers = headers;
      e.bytes = bytes;
      if (e !== this.tail) {
        this.unlink(e);
        this.append(e);
      }
    } else {
      e = { key, value, timestamp, headers, bytes, prev: null, next: null };
      this.entries.set(key, e);
      this.append(e);
      this.resize(bytes);
    }
    while (this.head !== null && (this.bytesHere > this.maxBytes || this.owner.overBudget())) this.evictOldest();
  }

  /** Forwards every pending update, least recently updated first. Returns how many. */
  flush(): number {
    const n = this.entries.size;
    if (n === 0) return 0;
    // Detach first: a listener may (through downstream processors) put into other parts, or this one.
    let e = this.head;
    this.entries.clear();
    this.head = this.tail = null;
    this.resize(-this.bytesHere);
    while (e !== null) {
      const next = e.next;
      e.prev = e.next = null;
      this.emit(e);
      e = next;
    }
    this.owner.stats.flushes++;
    return n;
  }

  /** Drops every pending update without forwarding (the commit aborted: they are re-derived on re-processing). */
  clear(): void {
    this.entries.clear();
    this.head = this.tail = null;
    this.resize(-this.bytesHere);
  }

  private evictOldest(): void {
    const first = this.head!;
    this.entries.delete(first.key);
    this.unlink(first);
    this.resize(-first.bytes);
    this.owner.stats.evictions++;
    this.emit(first);
  }

  private append(e: Entry<V>): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail === null) this.head = e;
    else this.tail.next = e;
    this.tail = e;
  }

  private unlink(e: Entry<V>): void {
    if (e.prev === null) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === null) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = e.next = null;
  }

  private emit(e: Entry<V>): void {
    this.owner.stats.forwarded++;
    this.listener(e.key, e.value, e.timestamp, e.headers);
  }

  private resize(delta: number): void {
    this.bytesHere += delta;
    this.owner.addBytes(delta);
  }
}

/** The record cache of one task: its named parts and their common budget. */
export class RecordCache {
  private readonly parts = new Map<string, NamedRecordCache<never>>();
  private total = 0;
  readonly stats: RecordCacheStats = { puts: 0, merged: 0, evictions: 0, forwarded: 0, flushes: 0 };

  constructor(readonly maxBytes: number = DEFAULT_RECORD_CACHE_BYTES) {
    if (!(maxBytes >= 0)) throw new AuraError(ErrorCodes.STORE_FAILED, `record cache size must be >= 0 bytes, got ${maxBytes}`);
  }

  /** Estimated bytes pending in all parts. */
  get bytes(): number {
    return this.total;
  }

  /** Pending updates in all parts. */
  get size(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.size;
    return n;
  }

  /** Creates the part of one processor (one per name and task). `maxBytes` defaults to the task's budget. */
  named<V>(name: string, listener: RecordCacheListener<V>, maxBytes: number = this.maxBytes): NamedRecordCache<V> {
    if (this.parts.has(name)) throw new AuraError(ErrorCodes.STORE_FAILED, `record cache "${name}" created twice in one task`);
    if (!(maxBytes >= 0)) throw new AuraError(ErrorCodes.STORE_FAILED, `record cache "${name}": size must be >= 0 bytes, got ${maxBytes}`);
    const part = new NamedRecordCache<V>(name, this, listener, Math.min(maxBytes, this.maxBytes));
    this.parts.set(name, part as unknown as NamedRecordCache<never>);
    return part;
  }

  /**
   * Forwards every pending update of every part (in creation order). Called before a commit
   * is prepared, so that what is forwarded travels in that commit. Returns how many.
   */
  flush(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.flush();
    return n;
  }

  /** The commit aborted: pending updates are dropped (the input they came from is processed again). */
  clear(): void {
    for (const p of this.parts.values()) p.clear();
  }

  /** @internal */
  overBudget(): boolean {
    return this.total > this.maxBytes;
  }

  /** @internal */
  addBytes(delta: number): void {
    this.total += delta;
  }
}
