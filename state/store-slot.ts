/**
 * One registered store with its layers assembled:
 * SQLite table ← caching store ← metered store (what processors get), with the
 * change-logging step applied to the cache's flush at prepareCommit. The slot
 * also keeps the row count that backs approximateCount() and runs the
 * per-store parts of flush, restore and purge for the TaskStateManager.
 */

import { CachingKeyValueStore, CachingSessionStore, CachingWindowStore, type StoreParts } from './cached-stores.js';
import { applyRestoreRecords, toChangelogRecords } from './change-logging.js';
import { JsonArena } from './json-arena.js';
import { encodeKey } from './key-codec.js';
import { KvLayout } from './kv-layout.js';
import { type RowWrite, toJson } from './list-rows.js';
import { MeteredKeyValueStore, MeteredSessionStore, MeteredWindowStore, StoreMeter } from './metered-stores.js';
import type { RecordCache } from './record-cache.js';
import type { Db } from './sqlite-db.js';
import { SqliteTable } from './sqlite-tables.js';
import { type CacheEntry, type FlushItem, StoreCache } from './store-cache.js';
import type { AnyStore, ChangelogRecord, RestoreRecord, StoreMetrics, StoreRegistration } from './types.js';

export interface SlotOptions {
  partition: number;
  cacheSize: number;
  sampleEvery: number;
  now: () => number;
  recordCache: RecordCache;
}

export class StoreSlot {
  readonly table: SqliteTable;
  readonly cache: StoreCache;
  readonly meter: StoreMeter;
  /** What processors see. */
  readonly store: AnyStore;
  /** Rows in SQLite; null = unknown (at open, after a restore or a failed commit): counted lazily. */
  private dbCount: number | null = null;
  /**
   * Captured by prepare(), one list per prepared commit, oldest first (two when transactions
   * overlap, runtime/commit-pipeline.ts); deferPrepared() takes the oldest when its commit completes.
   */
  private prepared: FlushItem[][] = [];
  /**
   * Committed (in the changelog) but not written to SQLite yet: the last committed value per
   * physical key (write-behind, see task-state-manager.ts), as the entries holding it in
   * `deferred` (one entry per physical key while it is unflushed). Their cache entries stay
   * unflushed, so reads see them and they are never evicted.
   */
  private pending: CacheEntry[] = [];
  /** Key-value stores: how keys and values map to rows. */
  private readonly layout: KvLayout | null;
  private readonly encode: (e: CacheEntry) => FlushItem;
  /** Where values with a byte writer of their own are written at prepare (json-arena.ts). */
  private readonly arena = new JsonArena();

  constructor(
    db: Db,
    readonly spec: StoreRegistration,
    private readonly opts: SlotOptions,
  ) {
    const ttlIndex = spec.ttlMs !== undefined && spec.ttlMs > 0;
    // Tables materialised from a topic hold its records verbatim; other key-value stores may use list rows.
    const listRows = spec.kind === 'key_value' && !(spec.changelogTopic === null && (spec.sourceTopic ?? spec.fromTopic) !== undefined);
    this.table = new SqliteTable(db, spec.id, spec.kind, { ttlIndex, listRows });
    this.cache = new StoreCache(spec.id, spec.kind, opts.cacheSize);
    this.meter = new StoreMeter(opts.sampleEvery);
    const parts: StoreParts<unknown> = {
      name: spec.id,
      table: this.table,
      cache: this.cache,
      now: opts.now,
      count: () => this.approximateCount(),
      recordCache: opts.recordCache,
    };
    if (spec.kind === 'key_value') {
      const layout = new KvLayout(this.table, spec.id, listRows);
      this.layout = layout;
      this.encode = (e) => layout.encode(e, this.arena);
      this.store = new MeteredKeyValueStore(new CachingKeyValueStore(parts, layout), this.meter);
    } else {
      this.layout = null;
      this.encode = (e) => ({ entry: e, id: e.id, json: e.value === undefined ? null : toJson(spec.id, e.key, e.value), ts: e.ts });
      this.store =
        spec.kind === 'window'
          ? new MeteredWindowStore(new CachingWindowStore(parts), this.meter)
          : new MeteredSessionStore(new CachingSessionStore(parts), this.meter);
    }
  }

  get dirtyCount(): number {
    return this.cache.dirtyCount;
  }

  /** prepareCommit: pins the dirty entries and appends their changelog records (when the store is logged). */
  prepare(out: ChangelogRecord[]): void {
    const items = this.cache.drainDirty(this.encode);
    this.prepared.push(items);
    if (this.spec.changelogTopic !== null) toChangelogRecords(items, this.spec.changelogTopic, this.opts.partition, out);
  }

  /** Committed entries waiting for their SQLite write. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * completeCommit: the oldest prepared commit's items are committed but stay in the cache
   * (unflushed) until writePending(). A later commit of the same key replaces the value; its list
   * element rows are merged, since each commit's rows are relative to the one before.
   */
  deferPrepared(): void {
    const items = this.prepared.shift();
    if (items === undefined) return;
    for (const item of items) {
      const e = item.entry;
      e.pins--;
      const older = e.deferred;
      if (older === undefined) this.pending.push(e);
      else if (older.rows !== undefined) item.rows = mergeRows(older.rows, item.rows);
      e.deferred = item;
    }
  }

  /** Inside the task's SQLite transaction: writes the committed-unwritten items. Returns rows written. */
  writePending(): number {
    return this.pending.length === 0 ? 0 : this.writeItems(this.pendingItems());
  }

  /** After writePending's transaction committed: entries not rewritten since become clean. */
  completePending(): void {
    if (this.pending.length === 0) return;
    const items = this.pendingItems();
    for (const e of this.pending) e.deferred = undefined;
    this.pending = [];
    this.cache.completeFlush(items);
  }

  private pendingItems(): FlushItem[] {
    const items = new Array<FlushItem>(this.pending.length);
    for (let i = 0; i < items.length; i++) items[i] = this.pending[i]!.deferred!;
    return items;
  }

  private writeItems(items: Iterable<FlushItem>): number {
    const t = this.table;
    // Key-value rows are addressed by the physical key (escaped, see list-rows.ts); window and
    // session rows by their columns. Every physical key appears once in a commit, so upserts can
    // be queued (upsertMany) while removes and conditional inserts go at once.
    const kv = this.layout !== null;
    let delta = 0;
    let written = 0;
    for (const { entry: e, id, json, ts, rows } of items) {
      written++;
      const key = kv ? id : e.key;
      if (json === null) {
        if (t.remove(key, e.t1, e.t2)) delta--;
      } else if (e.inDb !== undefined) {
        // Known whether the row exists (the key was read first): queued, written 64 rows a statement.
        t.upsertMany(key, e.t1, e.t2, json, ts);
        if (!e.inDb) delta++;
      } else if (t.insertIfAbsent(key, e.t1, e.t2, json, ts)) {
        delta++; // blind write of a new key (typical of window stores): one statement
      } else {
        t.upsert(key, e.t1, e.t2, json, ts);
      }
      if (rows === undefined) continue;
      // List segments: rows of their own, not counted (approximateCount counts keys).
      for (const r of rows) {
        if (r.json === null) t.remove(r.key, 0, 0);
        else t.upsertMany(r.key, 0, 0, r.json, ts);
      }
      written += rows.length;
    }
    t.flushMany();
    if (this.dbCount !== null) this.dbCount += delta;
    return written;
  }

  /** abortCommit (after writePending), or a failed SQLite transaction: back to what SQLite holds. */
  discard(): void {
    this.prepared = [];
    for (const e of this.pending) e.deferred = undefined;
    this.pending = [];
    this.cache.clear();
    this.dbCount = null;
  }

  /** Restore: call inside a transaction (with the checkpoint). Returns the highest offset applied. */
  applyRestore(records: RestoreRecord[]): number {
    const max = applyRestoreRecords(this.table, this.spec.kind, records, this.opts.now());
    this.afterDirectWrite();
    return max;
  }

  /** Rows in SQLite plus the net effect of unflushed writes. Exact, but may cost a lookup per unflushed blind write. */
  approximateCount(): number {
    if (this.dbCount === null) this.dbCount = this.table.count();
    let n = this.dbCount;
    for (const e of this.cache.unflushedEntries()) {
      if (e.inDb === undefined) e.inDb = this.table.exists(this.layout === null ? e.key : this.layout.physical(e.key), e.t1, e.t2);
      n += (e.value !== undefined ? 1 : 0) - (e.inDb ? 1 : 0);
    }
    return n;
  }

  /**
   * Deletes (through the cache, so the deletes are committed and tombstoned
   * like any other write) rows past TTL or retention. Returns how many.
   */
  purge(now: number, limit: number, streamTime: number = now): number {
    const { ttlMs, retentionMs, kind } = this.spec;
    // TTL is "not updated for so long" (wall clock); window retention follows event time, like
    // Kafka Streams' segments, so replaying old data or an idle minute never drops open windows.
    const ttlCut = ttlMs !== undefined && ttlMs > 0 ? now - ttlMs : null;
    const retCut = kind !== 'key_value' && retentionMs !== undefined && retentionMs > 0 && Number.isFinite(streamTime) ? streamTime - retentionMs : null;
    if (ttlCut === null && retCut === null) return 0;
    const expired = (e: { t1: number; t2: number }, ts: number): boolean =>
      (ttlCut !== null && ts < ttlCut) || (retCut !== null && (kind === 'window' ? e.t1 : e.t2) < retCut);

    let n = 0;
    const stale: CacheEntry[] = [];
    for (const e of this.cache.unflushedEntries()) if (e.value !== undefined && expired(e, e.ts)) stale.push(e);
    for (const e of stale) {
      if (n >= limit) return n;
      this.cache.write(e.id, e.key, e.t1, e.t2, undefined, now);
      n++;
    }
    // Over-fetch by the unflushed count: rows already deleted (or rewritten) in
    // the cache are still in SQLite until the commit and are skipped below.
    for (const k of this.table.expired(ttlCut, retCut, limit - n + this.cache.unflushedCount)) {
      if (n >= limit) break;
      const key = this.layout === null ? k.key : this.layout.logical(k.key);
      const id = encodeKey(kind, key, k.t1, k.t2);
      if (this.cache.isUnflushed(id)) continue; // rewritten or deleted since: the cache entry decides
      this.cache.write(id, key, k.t1, k.t2, undefined, now, true);
      n++;
    }
    return n;
  }

  metrics(): StoreMetrics {
    const m = this.meter;
    return {
      store: this.spec.id,
      kind: this.spec.kind,
      puts: m.puts,
      gets: m.gets,
      deletes: m.deletes,
      ranges: m.ranges,
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      latency: structuredClone(m.latency),
    };
  }

  /** Whether a crash may leave this store's SQLite behind: only when a topic can replay the gap. */
  get restorable(): boolean {
    return this.spec.changelogTopic !== null || (this.spec.sourceTopic ?? this.spec.fromTopic) !== undefined;
  }

  private afterDirectWrite(): void {
    this.dbCount = null;
    this.cache.invalidateClean();
    this.cache.forgetDbPresence();
  }
}

/** Element row writes of two successive commits of one head: the later write of a row wins. */
function mergeRows(older: RowWrite[], newer: RowWrite[] | undefined): RowWrite[] {
  const byKey = new Map<string, RowWrite>();
  for (const r of older) byKey.set(r.key, r);
  for (const r of newer ?? []) byKey.set(r.key, r);
  return [...byKey.values()];
}
