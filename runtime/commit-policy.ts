/**
 * When to commit. Outputs become visible to readers (`read_committed`) only
 * with the commit that carries them, so latency wants a commit as soon as the
 * tasks have processed everything they could read; throughput wants few
 * commits, each carrying many records. The rule:
 *
 *   - nothing processed since the last commit: no commit;
 *   - a task's state holds too many dirty entries, or the buffered outputs
 *     reach MAX_BUFFERED: commit now (bounds memory);
 *   - the input is drained (the poll after a batch found nothing more to
 *     read): commit now — unless the previous commit ended less than
 *     max(minGapMs, its own duration) ago, then as soon as that has passed. So
 *     however records trickle in, commits take at most about half the loop's
 *     time and their rate stays bounded;
 *   - records keep coming: every `commit_interval`, as Kafka Streams does.
 */
import type { Task } from './task.js';

/** Commit early when this many output records are buffered (bounds memory). */
export const MAX_BUFFERED = 20_000;
/**
 * The least time between the end of a commit and an idle commit (see above). 10 ms: at 200
 * records/s arriving one by one on the embedded log, 5 ms made nearly every record its own commit
 * for 5 ms less latency (bench/micro/commit-cost.ts, docs/benchmarks.md).
 */
export const DEFAULT_COMMIT_MIN_GAP_MS = 10;

export class CommitPolicy {
  private lastStarted: number;
  private lastEnded: number;
  private lastDurationMs = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly minGapMs: number,
    /** Real time, whatever clock the pipeline's punctuations use (the test driver's stands still). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastStarted = this.lastEnded = now();
  }

  /** Whether to commit now; `drained`: the last poll found nothing more to read. */
  due(tasks: Iterable<Task>, drained: boolean): boolean {
    const pending = this.pending(tasks);
    if (pending === 'none') return false;
    if (pending === 'full') return true;
    const now = this.now();
    if (now - this.lastStarted >= this.intervalMs) return true;
    return drained && this.gapLeft(now) <= 0;
  }

  /**
   * How long the next poll may wait before a commit falls due (the loop polls no longer than
   * that): 0 when one is due now, the rest of the gap for an idle commit held back by it.
   */
  waitBound(tasks: Iterable<Task>, pollTimeoutMs: number): number {
    if (this.pending(tasks) === 'none') return pollTimeoutMs;
    const now = this.now();
    return Math.max(0, Math.min(pollTimeoutMs, this.gapLeft(now), this.lastStarted + this.intervalMs - now));
  }

  started(): void {
    this.lastStarted = this.now();
  }

  ended(durationMs: number): void {
    this.lastEnded = this.now();
    this.lastDurationMs = durationMs;
  }

  private gapLeft(now: number): number {
    return this.lastEnded + Math.max(this.minGapMs, this.lastDurationMs) - now;
  }

  private pending(tasks: Iterable<Task>): 'none' | 'some' | 'full' {
    let dirty = false;
    let buffered = 0;
    for (const t of tasks) {
      if (t.options.state.needsFlush()) return 'full';
      buffered += t.collector.size;
      if (t.collector.size > 0 || t.hasUncommitted()) dirty = true;
    }
    if (buffered >= MAX_BUFFERED) return 'full';
    return dirty ? 'some' : 'none';
  }
}
