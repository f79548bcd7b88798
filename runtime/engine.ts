/**
 * The stream engine of one instance (one "stream thread" in Kafka Streams
 * terms). Its loop is an RxJS pipeline: a poll source whose next poll is only
 * requested when the previous batch has been processed and the asynchronous
 * lanes are below their bound (concatMap = backpressure: a slow sink slows the
 * source and memory stays flat), followed by a commit step when it is due.
 */
import { EMPTY, Subscription, catchError, concatMap, defer, from, repeat, takeWhile } from 'rxjs';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { Logger } from '../processors/types.js';
import type { Consumer, LogRecord, Producer, TopicPartition, Transport } from '../transports/types.js';
import { type Clock, systemClock } from './clock.js';
import { Committer } from './commit.js';
import { EngineMetrics } from './metrics.js';
import { restoreTask } from './restore.js';
import { Task } from './task.js';
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
    this.producer = transport.producer({
      transactionalId: this.exactlyOnce ? `${pipeline.app}-${instanceId}` : undefined,
      clientId: `${pipeline.app}-${instanceId}`,
    });
    this.committer = new Committer(this.exactlyOnce, this.producer, this.consumer, this.metrics, this.clock);
    await this.consumer.subscribe([...this.topicToSubtopologies.keys()], {
      onAssigned: (tps) => this.onAssigned(tps),
      onRevoked: (tps) => this.onRevoked(tps),
      onLost: (tps) => this.onLost(tps),
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

  private runLoop(): void {
    const maxPoll = this.options.maxPollRecords ?? 1000;
    const pollTimeout = this.options.pollTimeoutMs ?? 50;
    const commitInterval = this.options.pipeline.defaults.commitIntervalMs;
    this.subscription = defer(() => this.consumer.poll(maxPoll, Math.min(pollTimeout, commitInterval)))
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
    } catch (err) {
      if (err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FENCED) throw err;
      // The transaction did not make it: everything since the last commit is re-processed by fresh
      // tasks (Kafka Streams' "task corrupted" path). Local state is reverted by the state layer.
      this.options.logger.warn({ err: errorMessage(err) }, 'commit failed; re-processing from the last committed offsets');
      await this.resetTasks();
    }
  }

  private async resetTasks(): Promise<void> {
    const assigned = [...this.tasks.values()].map((t) => ({ st: t.options.subtopology, p: t.partition }));
    for (const task of this.tasks.values()) {
      task.rollback();
      await task.close();
    }
    this.tasks.clear();
    for (const { st, p } of assigned) await this.createTask(st, p);
    const tps = this.consumer.assignment();
    for (const c of await this.consumer.committed(tps)) this.consumer.seek({ ...c, offset: Math.max(0, c.offset) });
  }

  private async onAssigned(tps: TopicPartition[]): Promise<void> {
    const wanted = new Map<string, { st: SubTopology; p: number }>();
    for (const tp of tps) {
      for (const st of this.topicToSubtopologies.get(tp.topic) ?? []) wanted.set(`${st.id}_${tp.partition}`, { st, p: tp.partition });
    }
    for (const [id, { st, p }] of wanted) if (!this.tasks.has(id)) await this.createTask(st, p);
    this.options.logger.info({ tasks: [...this.tasks.keys()] }, 'partitions assigned');
  }

  private async createTask(st: SubTopology, partition: number): Promise<Task> {
    const { pipeline, factories, logger, transport } = this.options;
    const taskId = `${st.id}_${partition}`;
    const state = this.options.openTaskState(st, partition, taskId);
    this.restoring++;
    try {
      this.metrics.restoredRecords += await restoreTask(taskId, state, transport, this.consumer, logger);
    } finally {
      this.restoring--;
    }
    const task = new Task({
      pipeline,
      subtopology: st,
      partition,
      state,
      factories,
      clock: this.clock,
      logger,
      metrics: this.metrics,
      partitionFor: (key, n) => transport.partitionFor(key, n),
    });
    await task.init();
    this.tasks.set(taskId, task);
    return task;
  }

  private async onRevoked(tps: TopicPartition[]): Promise<void> {
    const revoked = this.tasksOf(tps);
    if (revoked.length === 0) return;
    await this.commit();
    for (const task of revoked) {
      await task.close();
      this.tasks.delete(task.id);
    }
    this.options.logger.info({ tasks: revoked.map((t) => t.id) }, 'partitions revoked');
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
