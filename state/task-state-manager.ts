/**
 * All state of one task (one partition of one sub-topology): one SQLite
 * database, one table per store, and the commit protocol that keeps SQLite,
 * the changelogs and the input offsets in step under exactly-once.
 *
 * Commit protocol (driven by the runtime):
 *  1. prepareCommit()  → the changelog records to produce (last write per key).
 *  2. the runtime produces them, the outputs and the input offsets in ONE log
 *     transaction, and learns the changelog end offsets.
 *  3. completeCommit(offsets) → the prepared rows are committed. With
 *     write-behind (stateFlushIntervalMs > 0, the default) they stay in the
 *     stores' caches, readable and never evicted, and are written to SQLite
 *     with the checkpoint of the changelog offsets as of that commit, in ONE
 *     SQLite transaction, only once the interval has passed, the pending set
 *     reached maxPendingEntries, or at close (a revoked task is closed after
 *     its last commit). Without it, at every commit.
 *     SQLite may be behind the changelog, never ahead: if the process dies
 *     before the write, restore replays the gap from the older checkpoint
 *     (records are absolute values), as Kafka Streams does under exactly-once,
 *     where it checkpoints only every 10,000 changelog records.
 *  or abortCommit() when the log transaction failed: the committed-unwritten
 *  entries are written first, then unflushed state is dropped, stores read
 *  what SQLite holds, processing restarts from the last committed input
 *  offsets.
 * Writes between (1) and (3) are allowed; they belong to the next commit,
 * which may itself be prepared before (3) when transactions overlap
 * (runtime/commit-pipeline.ts): up to MAX_PREPARED_COMMITS prepared commits,
 * completed oldest first, each one's writes kept apart until it completes.
 * A task with a store that no topic can restore (changelog off, not a table)
 * writes through at every commit: its SQLite file is the only copy.
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { DEFAULT_RECORD_CACHE_BYTES, RecordCache, type RecordCacheStats } from './record-cache.js';
import { RestoreSupport } from './restore.js';
import { CheckpointTable, openTaskDb, parseTpKey, taskDir, wipeTaskDir } from './sqlite-db.js';
import { type SlotOptions, StoreSlot } from './store-slot.js';
import type { AnyStore, ChangelogRecord, KeyValueStore, SessionStore, StoreKindName, StoreMetrics, StoreRegistration, WindowStore } from './types.js';
import { DEFAULT_STATE_FLUSH_INTERVAL_MS } from './types.js';

/** Prepared commits a task's state holds apart at once: one completing, the next one's transaction under way. */
export const MAX_PREPARED_COMMITS = 2;

export interface TaskStateOptions {
  stateDir: string;
  app: string;
  /** `<subtopology>_<partition>`, e.g. `0_3`. */
  taskId: string;
  /** Defaults to the number after the last `_` of taskId. */
  partition?: number;
  stores?: StoreRegistration[];
  /** needsFlush() turns true at this many dirty entries (all stores of the task). Default 10,000. */
  maxDirtyEntries?: number;
  /** Clean (read-through) entries kept per store. Default 10,000. */
  cacheSize?: number;
  /** Budget (estimated bytes) of the task's record cache (record-cache.ts). Default 10 MiB, as Kafka Streams. */
  recordCacheMaxBytes?: number;
  /**
   * Write-behind: committed state is written to SQLite at most this often (ms); 0 writes at every
   * commit. Default DEFAULT_STATE_FLUSH_INTERVAL_MS.
   */
  stateFlushIntervalMs?: number;
  /** Write-behind: committed-unwritten entries (all stores of the task) that force a write. Default 100,000. */
  maxPendingEntries?: number;
  /** Time one store operation in this many (metering). Default 16. */
  latencySampleEvery?: number;
  /**
   * Timestamp stamped on writes: the row ts read by TTL and the changelog
   * record timestamp. The runtime should pass the current record's timestamp
   * (stream time), the same clock it passes to purgeExpired(). Default Date.now.
   */
  now?: () => number;
}

export interface TaskStateStats {
  commits: number;
  /** SQLite transactions that wrote committed state (fewer than commits under write-behind). */
  stateWrites: number;
  rowsWritten: number;
  lastCommitMs: number;
  restoredRecords: number;
  purgedRecords: number;
  recordCache: RecordCacheStats;
}

export class TaskStateManager extends RestoreSupport {
  readonly taskId: string;
  readonly dir: string;
  readonly dbPath: string;
  /** True when the database file was created by this open (no local state). */
  readonly isNewDatabase: boolean;
  readonly maxDirtyEntries: number;
  private readonly slotOptions: SlotOptions;
  /** Prepared commits not completed (nor aborted) yet, oldest completed first. */
  private prepared = 0;
  /**
   * A state write failed and dropped what SQLite lacks: a commit still under way must not complete
   * here (its checkpoint would get ahead of the data); the task is to be closed and restored.
   */
  private writeFailed = false;
  private readonly flushIntervalMs: number;
  private readonly maxPendingEntries: number;
  /** Checkpoint of the committed-unwritten state: `"topic:partition"` → next offset. */
  private pendingOffsets: Record<string, number> = {};
  private lastStateWrite = performance.now();
  private closed = false;
  /** Pending updates of processors that emit through the cache (`emit: on_commit`). */
  readonly recordCache: RecordCache;
  readonly stats: TaskStateStats;

  static open(options: TaskStateOptions): TaskStateManager {
    return new TaskStateManager(options);
  }

  /** Deletes a task's local state (when the runtime decides it cannot be trusted). The task must be closed. */
  static wipe(stateDir: string, app: string, taskId: string): void {
    wipeTaskDir(taskDir(stateDir, app, taskId));
  }

  private constructor(options: TaskStateOptions) {
    const partition = options.partition ?? Number(/_(\d+)$/.exec(options.taskId)?.[1] ?? NaN);
    if (!Number.isSafeInteger(partition)) {
      throw new AuraError(ErrorCodes.STORE_FAILED, `cannot derive a partition from task id "${options.taskId}"`);
    }
    const dir = taskDir(options.stateDir, options.app, options.taskId);
    const opened = openTaskDb(dir);
    super(opened.db, new CheckpointTable(opened.db), partition);
    this.taskId = options.taskId;
    this.dir = dir;
    this.dbPath = opened.path;
    this.isNewDatabase = opened.created;
    this.maxDirtyEntries = options.maxDirtyEntries ?? 10_000;
    this.recordCache = new RecordCache(options.recordCacheMaxBytes ?? DEFAULT_RECORD_CACHE_BYTES);
    this.flushIntervalMs = options.stateFlushIntervalMs ?? DEFAULT_STATE_FLUSH_INTERVAL_MS;
    this.maxPendingEntries = options.maxPendingEntries ?? 100_000;
    this.stats = { commits: 0, stateWrites: 0, rowsWritten: 0, lastCommitMs: 0, restoredRecords: 0, purgedRecords: 0, recordCache: this.recordCache.stats };
    this.slotOptions = {
      partition,
      cacheSize: options.cacheSize ?? 10_000,
      sampleEvery: options.latencySampleEvery ?? 16,
      now: options.now ?? Date.now,
      recordCache: this.recordCache,
    };
    for (const spec of options.stores ?? []) this.register(spec);
  }

  /** Adds a store (creating its table if needed) and returns what processors see. */
  register(spec: StoreRegistration): AnyStore {
    this.assertOpen();
    if (this.slots.has(spec.id)) throw new AuraError(ErrorCodes.STORE_FAILED, `store ${spec.id} registered twice in task ${this.taskId}`);
    if (spec.changelogTopic !== null && this.byChangelog.has(spec.changelogTopic)) {
      throw new AuraError(ErrorCodes.STORE_FAILED, `changelog topic ${spec.changelogTopic} used by two stores`);
    }
    const slot = new StoreSlot(this.db, spec, this.slotOptions);
    this.slots.set(spec.id, slot);
    if (spec.changelogTopic !== null) this.byChangelog.set(spec.changelogTopic, slot);
    return slot.store;
  }

  storeNames(): string[] {
    return [...this.slots.keys()];
  }

  store(name: string): AnyStore {
    return this.slot(name).store;
  }

  keyValueStore<V = unknown>(name: string): KeyValueStore<V> {
    return this.typed(name, 'key_value') as KeyValueStore<V>;
  }

  windowStore<V = unknown>(name: string): WindowStore<V> {
    return this.typed(name, 'window') as WindowStore<V>;
  }

  sessionStore<V = unknown>(name: string): SessionStore<V> {
    return this.typed(name, 'session') as SessionStore<V>;
  }

  /** Dirty entries across the task's stores. */
  dirtyCount(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.dirtyCount;
    return n;
  }

  /** True when the runtime should commit now rather than wait for the commit interval. */
  needsFlush(): boolean {
    return this.dirtyCount() >= this.maxDirtyEntries;
  }

  /**
   * Forwards the updates pending in the task's record cache (processors with `emit: on_commit`)
   * through their processors' listeners. The runtime calls it before preparing a commit, once
   * everything of the commit is processed, so that the forwarded records — and the state and
   * outputs they cause downstream — belong to that commit. Returns how many were forwarded.
   */
  flushRecordCaches(): number {
    this.assertOpen();
    return this.recordCache.flush();
  }

  prepareCommit(): ChangelogRecord[] {
    this.assertOpen();
    if (this.prepared >= MAX_PREPARED_COMMITS)
      throw new AuraError(
        ErrorCodes.STORE_FAILED,
        `task ${this.taskId}: prepareCommit called with ${this.prepared} prepared commits not completed (at most ${MAX_PREPARED_COMMITS})`,
      );
    const out: ChangelogRecord[] = [];
    try {
      // Normally already empty (the runtime flushes first, draining what the flush feeds into
      // asynchronous lanes); an update still pending here must not outlive the commit of the
      // state it came from, so it is forwarded now, before the stores it may write are drained.
      this.recordCache.flush();
      for (const s of this.slots.values()) s.prepare(out);
    } catch (err) {
      // A value that cannot be serialised: nothing of this commit can be logged, so treat it as
      // aborted. With an earlier commit still under way its writes must survive its completion:
      // the runtime aborts once it ended (it re-creates every task after a failed prepare).
      if (this.prepared === 0) this.abortCommit();
      throw err;
    }
    this.prepared++;
    return out;
  }

  /**
   * The log transaction of the prepared rows committed (`offsets`: `"topic:partition"` → next
   * offset to read; changelog end offsets, and any input offsets the runtime wants kept locally).
   * Writes them and the checkpoint in one SQLite transaction now or, with write-behind, later
   * (see the header). Without a prepareCommit it only advances the checkpoint. On failure the
   * local state is behind the log: the runtime must close the task and restore it.
   */
  completeCommit(offsets: Record<string, number> = {}): void {
    this.assertOpen();
    if (this.writeFailed) throw new AuraError(ErrorCodes.STORE_FAILED, `task ${this.taskId}: an earlier state write failed; the task must be restored`);
    const started = performance.now();
    for (const k in offsets) parseTpKey(k); // a malformed key is refused now, not at a later write
    if (this.prepared > 0) {
      for (const s of this.slots.values()) s.deferPrepared();
      this.prepared--;
    }
    Object.assign(this.pendingOffsets, offsets);
    this.stats.commits++;
    if (!this.writeBehind() || started - this.lastStateWrite >= this.flushIntervalMs || this.pendingCount() >= this.maxPendingEntries) {
      this.writeCommitted();
    }
    this.stats.lastCommitMs = performance.now() - started;
  }

  /** Writes the committed-unwritten state and its checkpoint to SQLite now (one transaction). */
  writeCommitted(): void {
    this.assertOpen();
    const cps = Object.entries(this.pendingOffsets).map(([k, off]) => ({ ...parseTpKey(k), off }));
    let rows = 0;
    try {
      this.db.transaction(() => {
        for (const s of this.slots.values()) rows += s.writePending();
        for (const c of cps) this.checkpoints.set(c.topic, c.partition, c.off);
      })();
    } catch (cause) {
      for (const s of this.slots.values()) s.discard();
      this.pendingOffsets = {};
      this.prepared = 0;
      this.writeFailed = true;
      throw new AuraError(ErrorCodes.STORE_FAILED, `task ${this.taskId}: state commit failed: ${errorMessage(cause)}`, { cause });
    }
    for (const s of this.slots.values()) s.completePending();
    this.pendingOffsets = {};
    this.lastStateWrite = performance.now();
    this.stats.stateWrites++;
    this.stats.rowsWritten += rows;
  }

  /**
   * Writes the committed-unwritten state when `state_flush_interval` has passed since the last
   * write: called by the runtime between commits, so that a task whose input stopped does not
   * keep SQLite (and what `aura store` reads) behind for good. True when it wrote.
   */
  writeCommittedIfDue(): boolean {
    if (this.closed || !this.hasPending() || performance.now() - this.lastStateWrite < this.flushIntervalMs) return false;
    this.writeCommitted();
    return true;
  }

  /** Committed entries not yet written to SQLite (all stores of the task). */
  pendingCount(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.pendingCount;
    return n;
  }

  /**
   * The log transaction failed: the committed-unwritten entries are written (they are in the
   * changelog), then everything else not in SQLite is dropped, and the updates pending in the
   * record cache. Throws (with everything dropped) when that write fails: SQLite is then behind
   * the log, and the task must be closed and restored.
   */
  abortCommit(): void {
    this.prepared = 0;
    try {
      if (!this.closed && this.hasPending()) this.writeCommitted();
    } finally {
      for (const s of this.slots.values()) s.discard();
      this.recordCache.clear();
    }
  }

  /** prepareCommit + completeCommit, for callers with no log transaction in between (tests, stores without changelog). */
  flush(offsets: Record<string, number> = {}): ChangelogRecord[] {
    const records = this.prepareCommit();
    this.completeCommit(offsets);
    if (this.hasPending()) this.writeCommitted();
    return records;
  }

  /**
   * Deletes key-value rows whose last write is older than `now - ttlMs`, and
   * window (by window start) / session (by end) rows older than
   * `now - retentionMs`. The deletes go through the cache, so they are
   * committed and tombstoned in the changelog at the next commit. At most
   * `limit` rows per call (default maxDirtyEntries); call again when it
   * returns `limit`.
   */
  purgeExpired(now: number, limit = this.maxDirtyEntries, streamTime: number = now): number {
    this.assertOpen();
    let n = 0;
    for (const s of this.slots.values()) {
      if (n >= limit) break;
      n += s.purge(now, limit - n, streamTime);
    }
    this.stats.purgedRecords += n;
    return n;
  }

  metrics(): StoreMetrics[] {
    return [...this.slots.values()].map((s) => s.metrics());
  }

  /**
   * Writes the committed-unwritten state (a revoked task is closed after its last commit, so its
   * next owner restores little), then closes the database. Uncommitted writes are dropped, as
   * after a crash; so is the committed state when its write fails (restore replays it).
   */
  close(): void {
    if (this.closed) return;
    try {
      if (this.hasPending()) this.writeCommitted();
    } catch {
      // SQLite stays behind the changelog, which is allowed: the next open restores the gap.
    }
    this.closed = true;
    this.db.close();
  }

  /** Closes and deletes this task's state directory. */
  destroy(): void {
    this.close();
    wipeTaskDir(this.dir);
  }

  /** Write-behind only when every store can be restored from a topic (see the header). */
  private writeBehind(): boolean {
    if (this.flushIntervalMs <= 0) return false;
    for (const s of this.slots.values()) if (!s.restorable) return false;
    return true;
  }

  private hasPending(): boolean {
    if (this.pendingCount() > 0) return true;
    for (const _ in this.pendingOffsets) return true;
    return false;
  }

  protected override assertOpen(): void {
    if (this.closed) throw new AuraError(ErrorCodes.STORE_FAILED, `task ${this.taskId}: state is closed`);
  }

  protected override beforeRestore(): void {
    if (this.hasPending()) this.writeCommitted();
  }

  protected override onRestored(count: number): void {
    this.stats.restoredRecords += count;
  }

  private typed(name: string, kind: StoreKindName): AnyStore {
    const s = this.slot(name);
    if (s.spec.kind !== kind) throw new AuraError(ErrorCodes.STORE_FAILED, `store ${name} is a ${s.spec.kind} store, not ${kind}`);
    return s.store;
  }
}
