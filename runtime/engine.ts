/**
 * The stream engine of one instance (one "stream thread" in Kafka Streams
 * terms). Its loop is an RxJS pipeline: a poll source whose next poll is only
 * requested when the previous batch has been processed and the asynchronous
 * lanes are below their bound (concatMap = backpressure: a slow sink slows the
 * source and memory stays flat), followed by a commit step when it is due.
 */
import { EMPTY, Subscription, catchError, concatMap, defer, from, repeat, takeWhile } from 'rxjs';
import { errorMessage } from '../common/errors.js';
import type { Consumer, LogRecord, Producer } from '../transports/types.js';
import { type Clock, systemClock } from './clock.js';
import { Committer } from './commit.js';
import { EngineMetrics } from './metrics.js';
import { backoffMs, fencedError, isFatalClientError, isFenced, isRetriableTransportError, sleep } from './failures.js';
import type { EngineOptions } from './engine-options.js';
import { updateLag } from './lag.js';
import { ImmediateSender } from './immediate-sender.js';
import { TaskManager } from './task-manager.js';
import type { Task } from './task.js';
import { ensureTopics } from './topics.js';

export type { EngineOptions } from './engine-options.js';

/** How often consumer lag is refreshed (a broker round trip on Kafka). */
const LAG_INTERVAL_MS = 2000;

export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class StreamEngine {
  readonly metrics = new EngineMetrics();
  readonly taskManager: TaskManager;
  state: EngineState = 'created';
  private consumer!: Consumer;
  private producer!: Producer;
  private committer!: Committer;
  private subscription?: Subscription;
  private readonly clock: Clock;
  private readonly immediate: ImmediateSender | undefined;
  private lastPurge = 0;
  private lastLag = 0;
  private stopRequested = false;
  /** Consecutive failed commits / polls: they pace the retries. */
  private commitFailures = 0;
  private pollFailures = 0;
  /** A rebalance listener that could not do its job (tasks without state): the loop must stop. */
  private listenerFailure: unknown;
  private finished!: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (err: unknown) => void;

  constructor(readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    const { pipeline, transport, logger, instanceId } = options;
    if (Object.values(pipeline.topics).some((t) => t.delivery === 'immediate')) {
      this.immediate = new ImmediateSender(transport, `${pipeline.app}-${instanceId}-immediate`, logger);
    }
    const immediate = this.immediate;
    this.taskManager = new TaskManager(options, {
      immediate: immediate ? (record) => immediate.add(record) : undefined,
      consumer: () => this.consumer,
      clock: this.clock,
      metrics: this.metrics,
      commitAll: async () => {
        await this.committer.commit([...this.tasks.values()]);
        this.commitFailures = 0;
      },
      recover: (err) => this.recoverFromFailedCommit(err),
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

  get exactlyOnce(): boolean {
    return this.options.pipeline.defaults.processing === 'exactly_once';
  }

  /** Resolves when the loop ends (stop or failure); rejects with the failure. */
  get done(): Promise<void> {
    return this.finished;
  }

  async start(): Promise<void> {
    const { pipeline, transport, logger, instanceId } = this.options;
    this.state = 'starting';
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
    });
    await this.newProducer();
    const tm = this.taskManager;
    await this.consumer.subscribe(tm.sourceTopics(), {
      onAssigned: (tps) => this.guardListener(() => tm.onAssigned(tps)),
      onRevoked: (tps) => this.guardListener(() => tm.onRevoked(tps)),
      onLost: (tps) => this.guardListener(() => tm.onLost(tps)),
    });
    this.state = 'running';
    this.runLoop();
  }

  /** Stops polling, commits what was processed, closes tasks and clients. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.stopRequested = true;
    await this.finished.catch(() => undefined);
  }

  /** The task that owns `key` for the sub-topology that holds `storeId`, if it runs here. */
  taskForStore(storeId: string, key: string): Task | undefined {
    return this.taskManager.taskForStore(storeId, key);
  }

  /**
   * One producer per instance (EOS v2). Connecting it before joining the group matters under
   * exactly-once: initTransactions fences a zombie with our transactional id and aborts the
   * transaction a killed predecessor left open — else restores would wait for that transaction.
   */
  private async newProducer(): Promise<void> {
    const { pipeline, transport, instanceId } = this.options;
    this.producer = transport.producer({
      transactionalId: this.exactlyOnce ? `${pipeline.app}-${instanceId}` : undefined,
      clientId: `${pipeline.app}-${instanceId}`,
    });
    this.committer = new Committer(this.exactlyOnce, this.producer, this.consumer, this.metrics, this.clock, () => this.immediate?.flush() ?? Promise.resolve());
    try {
      await this.producer.connect?.();
    } catch (err) {
      await this.producer.close().catch(() => undefined);
      throw isFenced(err) ? fencedError(pipeline.app, instanceId, err) : err;
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

  /** A poll that survives broker hiccups: retriable errors are logged and retried with backoff. */
  private async pollSafely(max: number, timeoutMs: number): Promise<LogRecord[]> {
    try {
      const batch = await this.consumer.poll(max, timeoutMs);
      this.pollFailures = 0;
      return batch;
    } catch (err) {
      if (this.listenerFailure !== undefined || !isRetriableTransportError(err)) throw this.listenerFailure ?? err;
      this.pollFailures++;
      this.options.logger.warn({ err: errorMessage(err), attempt: this.pollFailures }, 'poll failed; retrying');
      await sleep(backoffMs(this.pollFailures));
      return [];
    }
  }

  private runLoop(): void {
    const maxPoll = this.options.maxPollRecords ?? 1000;
    const pollTimeout = this.options.pollTimeoutMs ?? 50;
    const commitInterval = this.options.pipeline.defaults.commitIntervalMs;
    this.subscription = defer(() => this.pollSafely(maxPoll, Math.min(pollTimeout, commitInterval)))
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
    this.metrics.recordsConsumed += batch.length;
    // Registry formats: the schemas these records name are fetched before they are processed (decoding is synchronous).
    if (batch.length > 0) await this.options.serdes?.prefetch?.(batch);
    for (const record of batch) this.taskManager.route(record);
    // With a backlog the poll resolves at once and the loop would run on microtasks only,
    // starving timers and I/O of this process (the gateway, /metrics) until the backlog is gone.
    if (batch.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const now = this.clock.now();
    for (const task of this.tasks.values()) task.punctuateWallClock(now);
    await this.backpressure();
    const purgeEvery = this.options.purgeIntervalMs ?? 60_000;
    if (now - this.lastPurge >= purgeEvery) {
      this.lastPurge = now;
      for (const task of this.tasks.values()) task.options.state.purgeExpired(task.streamTime, now);
    }
    if (this.committer.due(this.tasks.values(), batch.length === 0, this.options.pipeline.defaults.commitIntervalMs)) {
      await this.commit();
    }
    if (now - this.lastLag >= LAG_INTERVAL_MS) {
      this.lastLag = now;
      await updateLag(this.consumer, this.metrics, this.options.logger);
    }
  }

  /** Waits while asynchronous lanes hold more than their bound (no more polling meanwhile). */
  private async backpressure(): Promise<void> {
    const max = this.options.maxInflight ?? 1000;
    for (const task of this.tasks.values()) {
      task.throwIfFailed();
      if (task.inflight() > max) await task.drain();
    }
  }

  private async commit(): Promise<void> {
    try {
      await this.committer.commit([...this.tasks.values()]);
      this.commitFailures = 0;
    } catch (err) {
      await this.recoverFromFailedCommit(err);
      await this.taskManager.reset();
    }
  }

  /**
   * The transaction did not make it (it was aborted): everything since the last commit is
   * re-processed by fresh tasks (Kafka Streams' "task corrupted" path); local state is reverted
   * by the state layer. A fenced producer stops the instance; a fatal one is replaced.
   */
  private async recoverFromFailedCommit(err: unknown): Promise<void> {
    const { logger, pipeline, instanceId } = this.options;
    if (isFenced(err)) throw fencedError(pipeline.app, instanceId, err);
    this.commitFailures++;
    logger.warn({ err: errorMessage(err), attempt: this.commitFailures }, 'commit failed; re-processing from the last committed offsets');
    if (isFatalClientError(err)) {
      logger.warn('the producer hit a fatal error; replacing it');
      await this.producer.close().catch(() => undefined);
      await this.newProducer();
    }
    await sleep(backoffMs(this.commitFailures));
  }

  private async shutdown(error?: unknown): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
    this.state = 'stopping';
    this.subscription?.unsubscribe();
    const { logger } = this.options;
    try {
      if (error === undefined) await this.committer.commit([...this.tasks.values()]);
      else await this.committer.abort([...this.tasks.values()]);
    } catch (err) {
      logger.error({ err: errorMessage(err) }, 'final commit failed');
      error ??= err;
    }
    await this.taskManager.closeAll();
    await this.immediate?.close();
    await this.consumer.close().catch(() => undefined);
    await this.producer.close().catch(() => undefined);
    if (error === undefined) {
      this.state = 'stopped';
      this.resolveFinished();
    } else {
      this.state = 'failed';
      logger.error({ err: errorMessage(error) }, 'engine stopped on an error');
      this.rejectFinished(error);
    }
  }
}
