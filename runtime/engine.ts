/**
 * The stream engine of one instance (one "stream thread" in Kafka Streams
 * terms). Its loop is an RxJS pipeline: a poll source whose next poll is only
 * requested when the previous batch has been processed and the asynchronous
 * lanes are below their bound (concatMap = backpressure: a slow sink slows the
 * source and memory stays flat), followed by a commit step when it is due
 * (the task manager's: its broker half runs while the loop goes on).
 *
 * Broker outages are ridden out: a failed poll, commit, restore or producer
 * start is retried with backoff for up to `defaults.task_timeout` (retry.ts),
 * a failed transaction is re-processed from the last committed offsets, and
 * `health()` says meanwhile what is wrong and since when.
 */
import { catchError, concatMap, defer, EMPTY, from, repeat, type Subscription, takeWhile } from 'rxjs';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Pipeline } from '../topology/model.js';
import type { Consumer, LogRecord, OutgoingRecord, RebalanceListener } from '../transports/types.js';
import { BrokerProbe } from './broker-probe.js';
import { type Clock, systemClock } from './clock.js';
import { CommitSupervisor } from './commit-supervisor.js';
import type { EngineOptions } from './engine-options.js';
import { fencedError, isFenced } from './failures.js';
import { type EngineHealth, type EngineState, HealthTracker } from './health.js';
import { ImmediateSender } from './immediate-sender.js';
import { EngineMetrics } from './metrics.js';
import { routeInSlices, yieldToLoop } from './processing-slice.js';
import { copartitionedGroups, planReload, type ReloadPlan } from './reload-plan.js';
import { Retrier, RetryCancelled } from './retry.js';
import type { Task } from './task.js';
import { TaskManager } from './task-manager.js';
import { taskUnits } from './task-units.js';
import { ensureTopics } from './topics.js';

export type { EngineOptions } from './engine-options.js';
export type { EngineHealth, EngineState } from './health.js';

export class StreamEngine {
  readonly metrics: EngineMetrics;
  readonly taskManager: TaskManager;
  private readonly healthTracker: HealthTracker;
  private readonly retrier: Retrier;
  private readonly probe: BrokerProbe;
  private consumer!: Consumer;
  private commits?: CommitSupervisor;
  private subscription?: Subscription;
  private readonly clock: Clock;
  private readonly immediate: ImmediateSender | undefined;
  private readonly readableListeners = new Set<(records: readonly OutgoingRecord[]) => void>();
  private rebalanceListener!: RebalanceListener;
  /** Work that must run between two batches (applyPipeline), run by the loop. */
  private betweenBatches: Array<{ run: () => Promise<void>; settle: (err?: unknown) => void }> = [];
  private lastPurge = 0;
  private lastBatchSize = 0;
  private stopRequested = false;
  /** A rebalance listener that could not do its job (tasks without state): the loop must stop. */
  private listenerFailure: unknown;
  private finished!: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (err: unknown) => void;

  constructor(readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? new EngineMetrics();
    const { pipeline, transport, logger, instanceId } = options;
    this.healthTracker = new HealthTracker(options.taskTimeoutMs ?? pipeline.defaults.taskTimeoutMs);
    this.retrier = new Retrier(this.healthTracker, logger);
    this.probe = new BrokerProbe(() => this.consumer, this.metrics, logger);
    if (Object.values(pipeline.topics).some((t) => t.delivery === 'immediate')) {
      this.immediate = new ImmediateSender(transport, `${pipeline.app}-${instanceId}-immediate`, logger, (batch) => this.readable(batch));
    }
    const immediate = this.immediate;
    this.taskManager = new TaskManager(options, {
      immediate: immediate ? (record) => immediate.add(record) : undefined,
      consumer: () => this.consumer,
      clock: this.clock,
      metrics: this.metrics,
      retrier: this.retrier,
    });
  }

  /** The tasks running here, by id (`<subtopology>_<partition>`). */
  get tasks(): Map<string, Task> {
    return this.taskManager.tasks;
  }

  /** Tasks currently restoring (for readiness). */
  get restoring(): number {
    return this.taskManager.restoring;
  }

  get state(): EngineState {
    return this.healthTracker.state;
  }

  /** State, readiness and why not, broker reachability, operations being retried, last error. */
  health(): EngineHealth {
    return this.healthTracker.snapshot({
      tasks: this.tasks.size,
      restoring: this.restoring,
      unreachable: this.consumer && this.state !== 'stopped' && this.state !== 'failed' ? this.probe.unreachable() : undefined,
    });
  }

  get exactlyOnce(): boolean {
    return this.options.pipeline.defaults.processing === 'exactly_once';
  }

  /** Resolves when the loop ends (stop or failure); rejects with the failure. */
  get done(): Promise<void> {
    return this.finished;
  }

  async start(): Promise<void> {
    const { pipeline, transport, logger, instanceId } = this.options;
    this.healthTracker.setState('starting');
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined); // observed through `done`
    await transport.connect();
    await ensureTopics(pipeline, transport.admin(), this.options.topics ?? 'create', logger);
    this.consumer = transport.consumer({
      groupId: pipeline.app,
      isolation: this.exactlyOnce ? 'read_committed' : 'read_uncommitted',
      autoOffsetReset: 'earliest',
      clientId: `${pipeline.app}-${instanceId}`,
      groupInstanceId: this.options.groupInstanceId,
      // A sub-topology reading several topics needs partition n of all of them in one task.
      copartitioned: copartitionedGroups(pipeline),
      // The next batch is read while this one is processed; processBatch calls quiesce() before committing.
      readAhead: true,
    });
    const commits = new CommitSupervisor({
      app: pipeline.app,
      instanceId,
      exactlyOnce: this.exactlyOnce,
      transport,
      consumer: this.consumer,
      metrics: this.metrics,
      logger,
      health: this.healthTracker,
      retrier: this.retrier,
      beforeCommit: () => this.immediate?.flush() ?? Promise.resolve(),
      fusedTopics: new Set(taskUnits(pipeline).flatMap((u) => u.fusedTopics)),
      committed: (outputs) => this.readable(outputs),
    });
    await commits.start();
    this.commits = commits;
    const tm = this.taskManager;
    tm.attach(commits);
    this.rebalanceListener = {
      onAssigned: (tps) => this.guardListener(() => tm.onAssigned(tps)),
      onRevoked: (tps) => this.guardListener(() => tm.onRevoked(tps)),
      onLost: (tps) => this.guardListener(() => tm.onLost(tps)),
    };
    await this.consumer.subscribe(tm.sourceTopics(), this.rebalanceListener);
    this.healthTracker.setState('running');
    this.runLoop();
  }

  /**
   * Before start(): waits for the broker — `probe` retried with backoff for up to task_timeout,
   * like any broker operation, so that a start while the broker is away waits instead of
   * exiting; health() says meanwhile what fails and until when. stop() ends the wait.
   */
  async awaitBroker(probe: () => Promise<void> = () => this.options.transport.connect()): Promise<void> {
    this.healthTracker.setState('starting');
    await this.retrier.run('connect', probe);
  }

  /** Stops polling, commits what was processed, closes tasks and clients. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    if (this.finished === undefined) {
      // Not started (awaitBroker may be waiting): nothing to commit or close.
      this.retrier.cancel();
      this.healthTracker.setState('stopped');
      return;
    }
    this.stopRequested = true;
    // A retry loop in progress (an outage) ends now rather than at task_timeout.
    this.retrier.cancel();
    await this.finished.catch(() => undefined);
  }

  /**
   * Runs `next` instead of the running pipeline without stopping (`aura serve --watch`):
   * between two batches, what every task processed is committed; the tasks of the
   * sub-topologies that changed or went away are closed (as on a revoke), the others keep
   * running untouched; missing topics are created, the subscription follows the new source
   * topics (an incremental rebalance: the partitions kept stay), and the new or changed
   * sub-topologies get tasks through the assignment path. Returns the plan (reload-plan.ts);
   * when it is not `inPlace`, nothing was done and it says why. Rejects when the commit before
   * it failed (the old pipeline goes on) or when the new tasks could not start (the engine fails).
   */
  async applyPipeline(next: Pipeline): Promise<ReloadPlan> {
    const plan = planReload(this.options.pipeline, next);
    if (!plan.inPlace) return plan;
    if (this.state !== 'running') return { inPlace: false, reason: `the engine is ${this.state}` };
    const { transport, logger } = this.options;
    await ensureTopics(next, transport.admin(), this.options.topics ?? 'create', logger);
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: unknown) => (err === undefined ? resolve() : reject(err));
      this.betweenBatches.push({ settle, run: () => this.switchPipeline(next, plan.stopped) });
    });
    logger.info({ kept: plan.kept, stopped: plan.stopped, started: plan.started }, 'pipeline applied in place');
    return plan;
  }

  private async switchPipeline(next: Pipeline, stopped: number[]): Promise<void> {
    const tm = this.taskManager;
    const topicsBefore = tm.sourceTopics().sort().join('\n');
    if (!(await tm.applyPipeline(next, stopped))) {
      throw new AuraError(ErrorCodes.RELOAD_FAILED, 'the commit before applying the pipeline failed; the running pipeline goes on');
    }
    if (tm.sourceTopics().sort().join('\n') !== topicsBefore) await this.consumer.subscribe(tm.sourceTopics(), this.rebalanceListener);
  }

  /** The work queued for between two batches; a failure after the pipeline changed ends the loop. */
  private async runBetweenBatches(): Promise<void> {
    while (this.betweenBatches.length > 0) {
      const work = this.betweenBatches.shift()!;
      const before = this.options.pipeline;
      try {
        await work.run();
        work.settle();
      } catch (err) {
        work.settle(err);
        if (this.options.pipeline !== before) throw err;
      }
    }
  }

  /**
   * Calls `listener` with the records this instance made readable to `read_committed` consumers,
   * as soon as they are: the outputs of each commit once its transaction committed (changelogs
   * excluded; at-least-once: once acknowledged), and `delivery: immediate` records once
   * acknowledged. In the order they became readable, synchronously: a same-process reader (the
   * gateway's statuses and chunks) skips a consumer round trip. A listener that throws is logged
   * and does not affect the engine. Returns the function that removes it.
   */
  onReadable(listener: (records: readonly OutgoingRecord[]) => void): () => void {
    this.readableListeners.add(listener);
    return () => this.readableListeners.delete(listener);
  }

  private readable(records: readonly OutgoingRecord[]): void {
    for (const listener of this.readableListeners) {
      try {
        listener(records);
      } catch (err) {
        this.options.logger.warn({ err: errorMessage(err) }, 'a listener of readable records failed');
      }
    }
  }

  private async guardListener(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.listenerFailure ??= err;
      throw err;
    }
  }

  /** A poll that survives broker hiccups: retriable errors are retried with backoff, up to task_timeout. */
  private async pollSafely(max: number, timeoutMs: number): Promise<LogRecord[]> {
    try {
      const started = performance.now();
      const batch = await this.consumer.poll(max, timeoutMs);
      this.metrics.pollTotal++;
      this.metrics.pollLatency.observe(performance.now() - started);
      this.retrier.succeeded('poll');
      return batch;
    } catch (err) {
      // A rebalance listener that failed has already retried up to task_timeout.
      if (this.listenerFailure !== undefined) throw this.listenerFailure;
      const { kind, waitMs } = this.retrier.onFailure('poll', isFenced(err) ? fencedError(this.options.pipeline.app, this.options.instanceId, err) : err);
      if (kind === 'replace') throw err; // the group consumer is not replaced: a restart is
      await this.retrier.sleep(waitMs);
      return [];
    }
  }

  private runLoop(): void {
    const maxPoll = this.options.maxPollRecords ?? 1000;
    const pollTimeout = this.options.pollTimeoutMs ?? 50;
    // After a batch, the next poll only looks whether more is ready (0 ms): if nothing is, the input
    // is drained and the outputs can be committed at once (commit-policy.ts). Otherwise it waits for
    // input, but no longer than a due commit allows.
    this.subscription = defer(() => this.pollSafely(maxPoll, this.lastBatchSize > 0 ? 0 : this.taskManager.pollTimeout(pollTimeout)))
      .pipe(
        concatMap((batch) => from(this.processBatch(batch))),
        repeat(),
        takeWhile(() => !this.stopRequested),
        catchError((err) => {
          void this.shutdown(err);
          return EMPTY;
        }),
      )
      .subscribe({ complete: () => void this.shutdown() });
  }

  private async processBatch(batch: LogRecord[]): Promise<void> {
    this.lastBatchSize = batch.length;
    this.metrics.pollRecordsTotal += batch.length;
    // Registry formats: the schemas these records name are fetched before they are processed (decoding is synchronous).
    if (batch.length > 0) await this.options.serdes?.prefetch?.(batch);
    await routeInSlices(batch, this.taskManager);
    // With a backlog the poll resolves at once and the loop would run on microtasks only,
    // starving timers and I/O of this process (the gateway, /metrics) until the backlog is gone.
    if (batch.length > 0) await yieldToLoop();
    const now = this.clock.now();
    for (const task of this.tasks.values()) task.punctuateWallClock(now);
    await this.backpressure();
    const purgeEvery = this.options.purgeIntervalMs ?? 60_000;
    if (now - this.lastPurge >= purgeEvery) {
      this.lastPurge = now;
      for (const task of this.tasks.values()) task.options.state.purgeExpired(now, task.streamTime);
    }
    // A read-ahead's rebalance work runs now, not at the next poll: a commit may wait for it.
    await this.consumer.quiesce?.();
    await this.taskManager.maybeCommit(batch.length === 0); // an empty poll: nothing more to read now
    this.probe.tick();
    await this.runBetweenBatches();
  }

  /** Waits while asynchronous lanes hold more than their bound (no more polling meanwhile). */
  private async backpressure(): Promise<void> {
    const max = this.options.maxInflight ?? 1000;
    for (const task of this.tasks.values()) {
      task.throwIfFailed();
      if (task.inflight() > max) await task.drain();
    }
  }

  private async shutdown(error?: unknown): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
    this.healthTracker.setState('stopping');
    for (const work of this.betweenBatches.splice(0))
      work.settle(new AuraError(ErrorCodes.RELOAD_FAILED, 'the engine stopped before the pipeline was applied'));
    this.retrier.cancel();
    this.subscription?.unsubscribe();
    const { logger } = this.options;
    // Stopped in the middle of a retry (an outage): what was not committed is abandoned, as on a crash.
    const abandon = error instanceof RetryCancelled || this.listenerFailure instanceof RetryCancelled;
    if (abandon) error = undefined;
    try {
      await this.taskManager.stop(error === undefined && !abandon);
    } catch (err) {
      logger.error({ err: errorMessage(err) }, 'final commit failed');
      error ??= err;
    }
    await this.probe.settle();
    await this.immediate?.close();
    await this.consumer.close().catch(() => undefined);
    await this.commits?.close();
    if (error === undefined) {
      this.healthTracker.setState('stopped');
      this.resolveFinished();
    } else {
      this.healthTracker.error(error);
      this.healthTracker.setState('failed');
      logger.error({ err: errorMessage(error) }, 'engine stopped on an error');
      this.rejectFinished(error);
    }
  }
}
