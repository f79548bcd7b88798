/**
 * The tasks of one instance, and everything that happens to them as a group,
 * as Kafka Streams' TaskManager: assigned partitions become tasks (restored
 * before they process anything), revoked ones are committed then closed, lost
 * ones are closed dirty; commits of all tasks (one transaction under
 * exactly-once, commit.ts) and the recovery from a failed one — the commit
 * supervisor decides whether to stop, replace the producer or back off, then
 * the tasks are re-created from their committed offsets (Kafka Streams' "task
 * corrupted"). The engine's poll loop routes records here and asks for
 * commits; it never commits on its own.
 */
import { errorMessage } from '../common/errors.js';
import type { Pipeline } from '../topology/model.js';
import type { Consumer, LogRecord, OutgoingRecord, TopicPartition } from '../transports/types.js';
import type { Clock } from './clock.js';
import type { PreparedCommit } from './commit.js';
import { CommitPolicy, DEFAULT_COMMIT_MIN_GAP_MS } from './commit-policy.js';
import type { CommitSupervisor } from './commit-supervisor.js';
import type { EngineOptions } from './engine-options.js';
import type { EngineMetrics } from './metrics.js';
import type { Retrier } from './retry.js';
import type { Task } from './task.js';
import { buildTasks } from './task-factory.js';
import { type TaskUnit, taskUnits } from './task-units.js';

export interface TaskManagerDeps {
  consumer(): Consumer;
  clock: Clock;
  metrics: EngineMetrics;
  /** Broker calls of restores and resets are retried through it, up to task_timeout. */
  retrier: Retrier;
  /** Sink for `delivery: immediate` topics. */
  immediate?: (record: OutgoingRecord) => void;
}

export class TaskManager {
  readonly tasks = new Map<string, Task>();
  /** Tasks currently restoring (for readiness). */
  restoring = 0;
  /** The units (task-units.ts) reading each physical topic from the log. */
  private readonly bySourceTopic = new Map<string, TaskUnit[]>();
  /** Task ids by unit and partition, built once: routing a record allocates no string. */
  private readonly taskIds = new Map<TaskUnit, string[]>();
  private commits!: CommitSupervisor;
  private readonly policy: CommitPolicy;
  /** The second half of the last commit, while it is with the broker. */
  private completing: Promise<void> | undefined;
  /** That second half failed: recovered from at the next chance (maybeCommit, commit, stop). */
  private failedCommit: unknown;

  constructor(
    private readonly options: EngineOptions,
    private readonly deps: TaskManagerDeps,
  ) {
    this.indexSourceTopics();
    this.policy = new CommitPolicy(options.pipeline.defaults.commitIntervalMs, options.commitMinGapMs ?? DEFAULT_COMMIT_MIN_GAP_MS);
    deps.metrics.stateStores = () => [...this.tasks.values()].map((t) => ({ taskId: t.id, stores: t.options.state.storeMetrics() }));
  }

  private indexSourceTopics(): void {
    const { pipeline } = this.options;
    this.bySourceTopic.clear();
    this.taskIds.clear();
    for (const st of taskUnits(pipeline)) {
      for (const id of [...st.sourceTopics, ...st.tableTopics]) {
        const name = pipeline.topics[id]!.name;
        this.bySourceTopic.set(name, [...(this.bySourceTopic.get(name) ?? []), st]);
      }
    }
  }

  /** The engine's producer and commit protocol, set once the engine started its clients. */
  attach(commits: CommitSupervisor): void {
    this.commits = commits;
  }

  /** Physical topics the instance subscribes to. */
  sourceTopics(): string[] {
    return [...this.bySourceTopic.keys()];
  }

  /**
   * Hands a polled record to every task that reads its topic partition — with `only`, to those of
   * its tasks that still run: the engine's batch was interrupted (it gives the event loop a turn
   * now and then) by a rebalance or a recovery, and a task closed or re-created meanwhile gets
   * the rest of its records again from its committed offset (its new owner's consumer position).
   */
  route(record: LogRecord, only?: ReadonlyMap<string, Task>): void {
    for (const st of this.bySourceTopic.get(record.topic) ?? []) {
      const id = this.taskId(st, record.partition);
      const task = this.tasks.get(id);
      if (task && (only === undefined || only.get(id) === task)) task.process(record);
    }
  }

  private taskId(st: TaskUnit, partition: number): string {
    let ids = this.taskIds.get(st);
    if (ids === undefined) this.taskIds.set(st, (ids = []));
    return (ids[partition] ??= `${st.id}_${partition}`);
  }

  /**
   * Commits when due (commit-policy.ts: full buffers, drained input, commit_interval). The first
   * half of the commit runs now, while processing waits (lanes drained, changelogs prepared,
   * outputs and offsets taken); the second, the broker's, runs while processing goes on — what
   * is processed meanwhile belongs to the next commit, which starts when this one is done or,
   * with overlapping transactions (commit-pipeline.ts), while it is still under way.
   * A commit that failed in the background is recovered from here, before anything else.
   */
  async maybeCommit(drained: boolean): Promise<void> {
    await this.recoverFailedCommit();
    if (this.completing && !this.commits.acceptsAnother()) {
      // Buffers full: wait for the broker rather than let them grow.
      if (this.policy.pending(this.tasks.values()) !== 'full') return;
      await this.completing;
      await this.recoverFailedCommit();
    }
    if (!this.policy.due(this.tasks.values(), drained)) {
      await this.writeCommittedStateIfDue();
      return;
    }
    const started = performance.now();
    this.policy.started();
    let prepared: PreparedCommit | undefined;
    try {
      prepared = await this.commits.prepare([...this.tasks.values()]);
    } catch (err) {
      await this.recover(err);
      return;
    }
    this.policy.prepared();
    if (!prepared) return;
    const completing: Promise<void> = this.commits
      .complete(prepared)
      .then(
        () => this.policy.ended(performance.now() - started),
        (err: unknown) => {
          this.policy.ended(performance.now() - started);
          // The first failure is the cause; a later commit under way then fails because of it.
          this.failedCommit ??= definedFailure(err);
        },
      )
      .finally(() => {
        if (this.completing === completing) this.completing = undefined;
      });
    this.completing = completing;
  }

  /**
   * Write-behind state (state_flush_interval) of tasks with no commit coming: their committed
   * state reaches SQLite within about an interval even when their input stopped. A failed write
   * is a failed state commit: recovered from like one (the tasks restore from their changelogs).
   */
  private async writeCommittedStateIfDue(): Promise<void> {
    try {
      for (const task of this.tasks.values()) task.options.state.writeCommittedIfDue?.();
    } catch (err) {
      await this.recover(err);
    }
  }

  /**
   * How long the next poll may wait without making a due commit late (commit-policy.ts); while a
   * commit is with the broker and more work waits for the next one, about as long as it should
   * still take.
   */
  pollTimeout(pollTimeoutMs: number): number {
    if (this.completing && !this.commits.acceptsAnother() && this.policy.pending(this.tasks.values()) !== 'none')
      return Math.min(pollTimeoutMs, this.policy.expectedRemainingMs());
    return this.policy.waitBound(this.tasks.values(), pollTimeoutMs);
  }

  /**
   * Commits what every task processed, both halves now (a rebalance), after the commit in
   * progress. A commit that fails is recovered from — the instance stops (fenced, out of
   * retries), or the producer is replaced, or it backs off — and the tasks are re-created from
   * their committed offsets, except `leaving` (being revoked), which are closed dirty: their next
   * owner redoes their uncommitted work. True when it committed.
   */
  async commit(leaving: Task[] = []): Promise<boolean> {
    await this.completing;
    if (this.failedCommit !== undefined) {
      const err = this.failedCommit;
      this.failedCommit = undefined;
      await this.recover(err, leaving);
      return false;
    }
    const started = performance.now();
    this.policy.started();
    try {
      await this.commits.commit([...this.tasks.values()]);
      this.policy.ended(performance.now() - started);
      return true;
    } catch (err) {
      this.policy.ended(performance.now() - started);
      await this.recover(err, leaving);
      return false;
    }
  }

  private async recoverFailedCommit(): Promise<void> {
    if (this.failedCommit === undefined) return;
    const err = this.failedCommit;
    this.failedCommit = undefined;
    await this.recover(err);
  }

  /** After a failed commit: the supervisor decides (stop, replace the producer, back off), then the tasks start over from their committed offsets. */
  private async recover(err: unknown, leaving: Task[] = []): Promise<void> {
    // Commits still under way end first (failed, if one before them did); all tasks start over anyway.
    await this.completing;
    this.failedCommit = undefined;
    this.options.logger.warn({ err: errorMessage(err), tasks: this.tasks.size }, 'commit failed; re-processing from the last committed offsets');
    for (const task of leaving) task.rollback();
    await this.close(leaving);
    await this.commits.recover(err);
    await this.reset();
  }

  async onAssigned(tps: TopicPartition[]): Promise<void> {
    this.deps.metrics.rebalanceTotal++;
    await this.createMissing(tps);
    this.options.logger.info({ tasks: [...this.tasks.keys()] }, 'partitions assigned');
  }

  /**
   * Runs `next` (the engine's applyPipeline, with reload-plan.ts's plan): what every task
   * processed is committed first, both halves, as on a revoke; the tasks of the `stopped` units
   * are closed, the others keep running untouched (state, caches, in-flight records); the units
   * of `next` get tasks for the partitions assigned now, through the same path as an assignment
   * (restored from local state and changelogs). False when that commit failed: it was recovered
   * from as any failed commit and the pipeline was not changed.
   */
  async applyPipeline(next: Pipeline, stopped: readonly number[]): Promise<boolean> {
    // A failed commit re-creates every task from its committed offsets, these too: they stay, as the pipeline does.
    if (!(await this.commit())) return false;
    await this.close([...this.tasks.values()].filter((t) => stopped.includes(t.options.subtopology.id)));
    // The options object is the engine's: the engine, and every task created from now on, run `next`.
    this.options.pipeline = next;
    this.indexSourceTopics();
    await this.createMissing(this.deps.consumer().assignment());
    return true;
  }

  /** Tasks for the units reading these partitions that have none yet. */
  private async createMissing(tps: TopicPartition[]): Promise<void> {
    const wanted = new Map<string, { st: TaskUnit; p: number }>();
    for (const tp of tps) for (const st of this.bySourceTopic.get(tp.topic) ?? []) wanted.set(`${st.id}_${tp.partition}`, { st, p: tp.partition });
    await this.createTasks([...wanted].filter(([id]) => !this.tasks.has(id)).map(([, v]) => v));
  }

  /** Commits what was processed while the generation is still valid, then lets the partitions go. */
  async onRevoked(tps: TopicPartition[]): Promise<void> {
    const revoked = this.tasksOf(tps);
    if (revoked.length === 0) return;
    if (!(await this.commit(revoked))) return;
    await this.close(revoked);
    this.options.logger.info({ tasks: revoked.map((t) => t.id) }, 'partitions revoked');
  }

  /** Partitions taken without a chance to commit: their uncommitted work is dropped. */
  async onLost(tps: TopicPartition[]): Promise<void> {
    // A commit with the broker still holds these tasks' prepared work: let it end (fenced, most likely).
    await this.completing;
    const lost = this.tasksOf(tps);
    for (const task of lost) task.rollback();
    await this.close(lost);
  }

  /**
   * Stopping: commits what was processed (`clean`), or abandons it (a failure, or a stop in
   * the middle of an outage: as on a crash), then closes every task. A failed final commit is
   * thrown once the tasks are closed.
   */
  async stop(clean: boolean): Promise<void> {
    await this.completing;
    const tasks = [...this.tasks.values()];
    let failure: unknown = this.failedCommit;
    this.failedCommit = undefined;
    try {
      // After a commit that failed in the background, what is left is abandoned, as on a crash.
      if (clean && failure === undefined) await this.commits.commit(tasks);
      else await this.commits.abort(tasks);
    } catch (err) {
      failure ??= definedFailure(err);
    }
    for (const task of tasks) await task.close().catch(() => undefined);
    this.deps.metrics.taskClosedTotal += tasks.length;
    this.tasks.clear();
    if (failure !== undefined) throw failure;
  }

  /**
   * Re-creates every task after a failed commit (Kafka Streams' "task corrupted" path): their state
   * is reverted by the state layer and the consumer goes back to the committed offsets.
   */
  private async reset(): Promise<void> {
    const reset = [...this.tasks.values()];
    if (reset.length === 0) return;
    const assigned = reset.map((t) => ({ st: t.options.subtopology, p: t.partition }));
    for (const task of reset) task.rollback();
    await this.close(reset);
    await this.createTasks(assigned);
    const consumer = this.deps.consumer();
    const sources = new Set(assigned.flatMap(({ st }) => [...st.sourceTopics, ...st.tableTopics].map((id) => this.options.pipeline.topics[id]!.name)));
    const parts = new Set(assigned.map(({ p }) => p));
    const tps = consumer.assignment().filter((tp) => sources.has(tp.topic) && parts.has(tp.partition));
    // No committed offset yet: back to the start (auto.offset.reset is earliest).
    const committed = await this.deps.retrier.run('read committed offsets', () => consumer.committed(tps));
    for (const c of committed) consumer.seek({ ...c, offset: Math.max(0, c.offset) });
  }

  /** Opens, restores and builds the tasks (see task-factory.ts); nothing is processed before this returns. */
  private async createTasks(list: Array<{ st: TaskUnit; p: number }>): Promise<void> {
    if (list.length === 0) return;
    const { pipeline, instanceId } = this.options;
    this.restoring += list.length;
    try {
      const tasks = await buildTasks(list, {
        ...this.options,
        consumer: this.deps.consumer(),
        clock: this.deps.clock,
        metrics: this.deps.metrics,
        retrier: this.deps.retrier,
        restoreClientId: `${pipeline.app}-${instanceId}-restore`,
        immediate: this.deps.immediate,
      });
      for (const task of tasks) this.tasks.set(task.id, task);
    } finally {
      this.restoring -= list.length;
    }
  }

  private async close(tasks: Task[]): Promise<void> {
    for (const task of tasks) {
      await task.close();
      this.tasks.delete(task.id);
      this.deps.metrics.taskClosedTotal++;
    }
  }

  private tasksOf(tps: TopicPartition[]): Task[] {
    const ids = new Set<string>();
    for (const tp of tps) for (const st of this.bySourceTopic.get(tp.topic) ?? []) ids.add(`${st.id}_${tp.partition}`);
    return [...ids].map((id) => this.tasks.get(id)).filter((t): t is Task => t !== undefined);
  }
}

/** `undefined` here means "no failure": a rejection without a reason must still count as one. */
function definedFailure(err: unknown): unknown {
  return err === undefined ? new Error('the commit failed without a reason') : err;
}
