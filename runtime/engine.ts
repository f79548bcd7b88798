/**
 * The stream engine of one instance (one "stream thread" in Kafka Streams
 * terms). Its loop is an RxJS pipeline: a poll source whose next poll is only
 * requested when the previous batch has been processed and the asynchronous
 * lanes are below their bound (concatMap = backpressure: a slow sink slows the
 * source and memory stays flat), followed by a commit step when it is due.
 */
import { EMPTY, Subscription, catchError, concatMap, defer, from, repeat, takeWhile } from 'rxjs';
import { errorMessage } from '../common/errors.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { Logger } from '../processors/types.js';
import type { Consumer, LogRecord, Producer, TopicPartition, Transport } from '../transports/types.js';
import { type Clock, systemClock } from './clock.js';
import { Committer } from './commit.js';
import { EngineMetrics } from './metrics.js';
import { backoffMs, fencedError, isFatalClientError, isFenced, isRetriableTransportError, sleep } from './failures.js';
import { buildTasks } from './task-factory.js';
import type { Task } from './task.js';
import type { GraphFactories } from './task-graph.js';
import type { TaskState } from './task-state.js';
import { ensureTopics } from './topics.js';

export interface EngineOptions {
  pipeline: Pipeline;
  transport: Transport;
  factories: GraphFactories;
  /** Opens (or creates) the local state of one task. */
  openTaskState(subtopology: SubTopology, partition: number, taskId: string): TaskState;
  instanceId: string;
  logger: Logger;
  clock?: Clock;
  /** `create` (embedded default) creates missing topics; `check` fails with what is missing. */
  topics?: 'create' | 'check';
  maxPollRecords?: number;
  pollTimeoutMs?: number;
  /** Records queued in asynchronous lanes before polling pauses. */
  maxInflight?: number;
  /** Purge of expired store rows, wall-clock interval. */
  purgeIntervalMs?: number;
}

export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class StreamEngine {
  readonly metrics = new EngineMetrics();
  readonly tasks = new Map<string, Task>();
  state: EngineState = 'created';
  /** Tasks currently restoring (for readiness). */
  restoring = 0;
  private consumer!: Consumer;
  private producer!: Producer;
  private committer!: Committer;
  private subscription?: Subscription;
  private readonly clock: Clock;
  private readonly topicToSubtopologies = new Map<string, SubTopology[]>();
  private lastPurge = 0;
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
    const { pipeline } = options;
    for (const st of pipeline.subtopologies) {
      for (const id of [...st.sourceTopics, ...st.tableTopics]) {
        const name = pipeline.topics[id]!.name;
        const list = this.topicToSubtopologies.get(name) ?? [];
        list.push(st);
        this.topicToSubtopologies.set(name, list);
      }
    }
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
    await this.consumer.subscribe([...this.topicToSubtopologies.keys()], {
      onAssigned: (tps) => this.guardListener(() => this.onAssigned(tps)),
      onRevoked: (tps) => this.guardListener(() => this.onRevoked(tps)),
      onLost: (tps) => this.guardListener(() => this.onLost(tps)),
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
    const st = this.options.pipeline.subtopologies.find((s) => s.stores.includes(storeId));
    if (!st) return undefined;
    const partition = this.options.transport.partitionFor(key, st.partitions);
    return this.tasks.get(`${st.id}_${partition}`);
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
    this.committer = new Committer(this.exactlyOnce, this.producer, this.consumer, this.metrics, this.clock);
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
    for (const record of batch) {
      const sts = this.topicToSubtopologies.get(record.topic);
      if (!sts) continue;
      for (const st of sts) {
        const task = this.tasks.get(`${st.id}_${record.partition}`);
        task?.process(record);
      }
    }
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
      await this.resetTasks();
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

  private async resetTasks(only?: Task[]): Promise<void> {
    const reset = only ?? [...this.tasks.values()];
    if (reset.length === 0) return;
    const assigned = reset.map((t) => ({ st: t.options.subtopology, p: t.partition }));
    for (const task of reset) {
      task.rollback();
      await task.close();
      this.tasks.delete(task.id);
    }
    await this.createTasks(assigned);
    const sources = new Set(assigned.flatMap(({ st }) => [...st.sourceTopics, ...st.tableTopics].map((id) => this.options.pipeline.topics[id]!.name)));
    const parts = new Set(assigned.map(({ p }) => p));
    const tps = this.consumer.assignment().filter((tp) => sources.has(tp.topic) && parts.has(tp.partition));
    // No committed offset yet: back to the start (auto.offset.reset is earliest).
    for (const c of await this.consumer.committed(tps)) this.consumer.seek({ ...c, offset: Math.max(0, c.offset) });
  }

  private async onAssigned(tps: TopicPartition[]): Promise<void> {
    const wanted = new Map<string, { st: SubTopology; p: number }>();
    for (const tp of tps) {
      for (const st of this.topicToSubtopologies.get(tp.topic) ?? []) wanted.set(`${st.id}_${tp.partition}`, { st, p: tp.partition });
    }
    await this.createTasks([...wanted].filter(([id]) => !this.tasks.has(id)).map(([, v]) => v));
    this.options.logger.info({ tasks: [...this.tasks.keys()] }, 'partitions assigned');
  }

  /** Opens, restores and builds the tasks (see task-factory.ts); nothing is processed before this returns. */
  private async createTasks(list: Array<{ st: SubTopology; p: number }>): Promise<void> {
    if (list.length === 0) return;
    const { pipeline, instanceId } = this.options;
    this.restoring += list.length;
    try {
      const tasks = await buildTasks(list, {
        ...this.options,
        consumer: this.consumer,
        clock: this.clock,
        metrics: this.metrics,
        restoreClientId: `${pipeline.app}-${instanceId}-restore`,
      });
      for (const task of tasks) this.tasks.set(task.id, task);
    } finally {
      this.restoring -= list.length;
    }
  }

  /** Commits what was processed while the generation is still valid, then lets the partitions go. */
  private async onRevoked(tps: TopicPartition[]): Promise<void> {
    const revoked = this.tasksOf(tps);
    if (revoked.length === 0) return;
    try {
      await this.committer.commit([...this.tasks.values()]);
      this.commitFailures = 0;
    } catch (err) {
      // The commit covered every task: the revoked ones are closed dirty (their uncommitted work is
      // redone by the next owner), the others are reset to their committed offsets.
      for (const task of revoked) task.rollback();
      await this.closeTasks(revoked);
      await this.recoverFromFailedCommit(err);
      await this.resetTasks();
      return;
    }
    await this.closeTasks(revoked);
    this.options.logger.info({ tasks: revoked.map((t) => t.id) }, 'partitions revoked');
  }

  private async closeTasks(tasks: Task[]): Promise<void> {
    for (const task of tasks) {
      await task.close();
      this.tasks.delete(task.id);
    }
  }

  private async onLost(tps: TopicPartition[]): Promise<void> {
    for (const task of this.tasksOf(tps)) {
      task.rollback();
      await task.close();
      this.tasks.delete(task.id);
    }
  }

  private tasksOf(tps: TopicPartition[]): Task[] {
    const ids = new Set<string>();
    for (const tp of tps) for (const st of this.topicToSubtopologies.get(tp.topic) ?? []) ids.add(`${st.id}_${tp.partition}`);
    return [...ids].map((id) => this.tasks.get(id)).filter((t): t is Task => t !== undefined);
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
    for (const task of this.tasks.values()) await task.close().catch(() => undefined);
    this.tasks.clear();
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
