/**
 * What a task needs of its state: the stores by name and the commit/restore
 * protocol. Implemented by state/ (one SQLite database per task); the engine
 * only sees this interface.
 */
import type { AnyStore, ChangelogRecord, StoreMetrics } from '../state/types.js';

export interface RestoreTarget {
  /** Physical topic to read (a changelog, or the source topic of a table). */
  topic: string;
  partition: number;
  /** Next offset to read. */
  fromOffset: number;
  /** `changelog`: restore to the end of the log; `table`: restore up to the group's committed offset. */
  kind: 'changelog' | 'table';
  storeId: string;
}

export interface RestoreRecord {
  key: string | null;
  value: Buffer | null;
  offset: number;
  timestamp: number;
}

export interface TaskState {
  getStore(id: string): AnyStore;
  /**
   * Forwards the updates waiting in the task's record cache (processors with `emit: on_commit`);
   * returns how many. Optional: a state without a record cache has nothing to flush.
   */
  flushRecordCaches?(): number;
  /** Changes to send to changelogs with this commit (write-merged). */
  prepareCommit(): ChangelogRecord[];
  /** After the log committed: persist dirty state and the checkpoint (next offsets per `topic:partition`) atomically. */
  completeCommit(nextOffsets: Record<string, number>): void;
  /**
   * Between commits: persist committed state not yet written to SQLite once its interval passed
   * (write-behind, `state_flush_interval`). Optional: a state that writes at every commit has none.
   */
  writeCommittedIfDue?(): boolean;
  /** The log transaction failed: forget uncommitted changes. */
  abortCommit(): void;
  /** Too much dirty state: commit soon. */
  needsFlush(): boolean;
  /** Entries written since the last commit (0: a commit has nothing of this task's state to write). */
  dirtyCount(): number;
  restorePlan(): RestoreTarget[];
  restoreBatch(target: RestoreTarget, records: RestoreRecord[]): void;
  /**
   * Delete rows past their TTL (wall clock, `now`) or retention (window stores: stream time);
   * their tombstones join the next commit. Same order as state/'s TaskStateManager.purgeExpired.
   */
  purgeExpired(now: number, streamTime: number): void;
  /** Per store: operations, cache hits and misses, sampled latencies (metrics). */
  storeMetrics(): StoreMetrics[];
  close(): void;
}
