/**
 * When to commit. Outputs become visible to readers (`read_committed`) only
 * with the commit that carries them, so latency wants a commit as soon as the
 * tasks have processed everything they could read; throughput wants few
 * commits, each carrying many records. The rule:
 *
 *   - nothing processed since the last commit: no commit;
 *   - a task's state holds too many dirty entries, or the buffered outputs
 *     reach MAX_BUFFERED records or MAX_BUFFERED_BYTES: commit now (bounds memory);
 *   - the input is drained (the poll after a batch found nothing more to
 *     read): commit now — unless the previous commit started less than
 *     `minGapMs` ago, then as soon as it has. So however records trickle in,
 *     commits stay at most one per gap;
 *   - records keep coming: every `commit_interval`, as Kafka Streams does — but after a commit
 *     whose first half kept processing waiting for D ms (mostly its asynchronous lanes draining:
 *     an embedder behind), not before processing has run for CATCH_UP_FACTOR × D (at most
 *     MAX_CATCH_UP_MS). Otherwise, with a backlog, each commit would cover one poll batch: the
 *     interval has long passed when processing resumes. Processing longer than it waited lets a
 *     backlog aggregate into one update per key per commit in the record caches (their
 *     evictions and full buffers still commit early), so a slow lane gets less to do. It also
 *     keeps processing from waiting for first halves more than about a fifth of the time under
 *     a backlog (a context window's flush and state JSON take tens of ms on a busy machine). At
 *     low load D is a few ms and the drained rule above decides, unchanged.
 *
 * One commit at a time: the task manager starts the next one only when the
 * previous one is done with the broker (task-manager.ts).
 */
import type { Task } from './task.js';

/**
 * Commit early when this many output records, or this many bytes of keys and values, are buffered
 * (bounds memory; 32 MiB is the Kafka producer's default buffer.memory). Records wait for the
 * commit here, so a lower bound makes a backlog commit more often: at 20,000 records the default
 * pipeline, ~2.5 outputs per event beside its merged contexts, committed every ~8,000 events and
 * embedded each user's context once per 8,000 events instead of once per commit.
 */
export const MAX_BUFFERED = 100_000;
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/**
 * The least time between the starts of two commits when the input is drained. 10 ms: at 200
 * records/s arriving one by one on the embedded log, 5 ms made nearly every record its own
 * commit for a few ms less latency (bench/micro/commit-cost.ts, docs/benchmarks.md).
 */
export const DEFAULT_COMMIT_MIN_GAP_MS = 10;
/** The longest a commit under sustained input waits to let processing catch up with a slow first half. */
export const MAX_CATCH_UP_MS = 30_000;
/**
 * Processing runs CATCH_UP_FACTOR times as long as it waited: 2 let a backlog behind MiniLM
 * merge into one context per user in one or two commits (bench (b), docs/benchmarks.md); 4 keeps
 * first halves to a fifth of the time under a backlog, where 2 left them a third: per-user stats
 * on the embedded log 137–146k → 168–179k events/s (commits 62–65 → 24–26 per 1M events, 2026-12-08).
 */
export const CATCH_UP_FACTOR = 4;

export type Pending = 'none' | 'some' | 'full';

export class CommitPolicy {
  private lastStarted: number;
  private lastDurationMs = 0;
  /** When processing resumed after the last first half, and how long it had waited. */
  private resumedAt: number;
  private waitedMs = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly minGapMs: number,
    /** Real time, whatever clock the pipeline's punctuations use (the test driver's stands still). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastStarted = now();
    this.resumedAt = this.lastStarted;
  }

  /** Whether to commit now; `drained`: the last poll found nothing more to read. */
  due(tasks: Iterable<Task>, drained: boolean): boolean {
    const pending = this.pending(tasks);
    if (pending === 'none') return false;
    if (pending === 'full') return true;
    const now = this.now();
    const since = now - this.lastStarted;
    return (
      (drained && since >= this.minGapMs) || (since >= this.intervalMs && now - this.resumedAt >= Math.min(CATCH_UP_FACTOR * this.waitedMs, MAX_CATCH_UP_MS))
    );
  }

  /**
   * How long the next poll may wait without making a due commit late: the poll timeout when
   * nothing is pending, else no longer than the gap or the interval leave.
   */
  waitBound(tasks: Iterable<Task>, pollTimeoutMs: number): number {
    if (this.pending(tasks) === 'none') return pollTimeoutMs;
    const since = this.now() - this.lastStarted;
    // The drained rule's gap: a poll that finds nothing commits then, whatever the catch-up.
    return Math.max(0, Math.min(pollTimeoutMs, this.minGapMs - since, this.intervalMs - since));
  }

  /** How much longer the commit in progress should take, judging by the last one (at least 1 ms). */
  expectedRemainingMs(): number {
    return Math.max(1, this.lastDurationMs - (this.now() - this.lastStarted));
  }

  started(): void {
    this.lastStarted = this.now();
  }

  /** The first half of the commit that started last is done: processing resumes after waiting that long. */
  prepared(): void {
    this.resumedAt = this.now();
    this.waitedMs = this.resumedAt - this.lastStarted;
  }

  ended(durationMs: number): void {
    this.lastDurationMs = durationMs;
  }

  pending(tasks: Iterable<Task>): Pending {
    let dirty = false;
    let buffered = 0;
    let bytes = 0;
    for (const t of tasks) {
      if (t.options.state.needsFlush()) return 'full';
      buffered += t.collector.size;
      bytes += t.collector.bytes;
      if (t.collector.size > 0 || t.hasUncommitted()) dirty = true;
    }
    if (buffered >= MAX_BUFFERED || bytes >= MAX_BUFFERED_BYTES) return 'full';
    return dirty ? 'some' : 'none';
  }
}
