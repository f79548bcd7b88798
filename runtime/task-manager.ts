/**
 * The tasks of one instance and what happens to them on a rebalance, like
 * Kafka Streams' TaskManager: assigned partitions become tasks (restored
 * before they process anything), revoked ones are committed then closed, lost
 * ones are closed dirty, and a failed commit resets tasks to their committed
 * offsets. Records are routed here from the engine's poll loop.
 */
import type { SubTopology } from '../topology/model.js';
import type { Consumer, LogRecord, OutgoingRecord, TopicPartition } from '../transports/types.js';
import type { Clock } from './clock.js';
import type { EngineOptions } from './engine.js';
import type { EngineMetrics } from './metrics.js';
import type { Retrier } from './retry.js';
import { buildTasks } from './task-factory.js';
import type { Task } from './task.js';

export interface TaskManagerDeps {
  consumer(): Consumer;
  clock: Clock;
  metrics: EngineMetrics;
  /** Broker calls of restores and resets are retried through it, up to task_timeout. */
  retrier: Retrier;
  /** Commits every task (throws when the commit failed). */
  commitAll(): Promise<void>;
  /** Handles a failed commit (fenced or out of retries → throws; unusable producer → replaced; backoff). */
  recover(err: unknown): Promise<void>;
  /** Sink for `delivery: immediate` topics. */
  immediate?: (record: OutgoingRecord) => void;
}

export class TaskManager {
  readonly tasks = new Map<string, Task>();
  /** Tasks currently restoring (for readiness). */
  restoring = 0;
  private readonly bySourceTopic = new Map<string, SubTopology[]>();

  constructor(
    private readonly options: EngineOptions,
    private readonly deps: TaskManagerDeps,
  ) {
    const { pipeline } = options;
    for (const st of pipeline.subtopologies) {
      for (const id of [...st.sourceTopics, ...st.tableTopics]) {
        const name = pipeline.topics[id]!.name;
        this.bySourceTopic.set(name, [...(this.bySourceTopic.get(name) ?? []), st]);
      }
    }
  }

  /** Physical topics the instance subscribes to. */
  sourceTopics(): string[] {
    return [...this.bySourceTopic.keys()];
  }

  /** Hands a polled record to every task that reads its topic partition. */
  route(record: LogRecord): void {
    for (const st of this.bySourceTopic.get(record.topic) ?? []) this.tasks.get(`${st.id}_${record.partition}`)?.process(record);
  }

  /** The task that owns `key` for the sub-topology that holds `storeId`, if it runs here. */
  taskForStore(storeId: string, key: string): Task | undefined {
    const st = this.options.pipeline.subtopologies.find((s) => s.stores.includes(storeId));
    if (!st) return undefined;
    return this.tasks.get(`${st.id}_${this.options.transport.partitionFor(key, st.partitions)}`);
  }

  async onAssigned(tps: TopicPartition[]): Promise<void> {
    const wanted = new Map<string, { st: SubTopology; p: number }>();
    for (const tp of tps) for (const st of this.bySourceTopic.get(tp.topic) ?? []) wanted.set(`${st.id}_${tp.partition}`, { st, p: tp.partition });
    await this.createTasks([...wanted].filter(([id]) => !this.tasks.has(id)).map(([, v]) => v));
    this.options.logger.info({ tasks: [...this.tasks.keys()] }, 'partitions assigned');
  }

  /** Commits what was processed while the generation is still valid, then lets the partitions go. */
  async onRevoked(tps: TopicPartition[]): Promise<void> {
    const revoked = this.tasksOf(tps);
    if (revoked.length === 0) return;
    try {
      await this.deps.commitAll();
    } catch (err) {
      // The commit covered every task: the revoked ones are closed dirty (their uncommitted work is
      // redone by the next owner), the others are reset to their committed offsets.
      for (const task of revoked) task.rollback();
      await this.close(revoked);
      await this.deps.recover(err);
      await this.reset();
      return;
    }
    await this.close(revoked);
    this.options.logger.info({ tasks: revoked.map((t) => t.id) }, 'partitions revoked');
  }

  /** Partitions taken without a chance to commit: their uncommitted work is dropped. */
  async onLost(tps: TopicPartition[]): Promise<void> {
    const lost = this.tasksOf(tps);
    for (const task of lost) task.rollback();
    await this.close(lost);
  }

  /**
   * Re-creates tasks after a failed commit (Kafka Streams' "task corrupted" path): their state is
   * reverted by the state layer and the consumer goes back to the committed offsets.
   */
  async reset(only?: Task[]): Promise<void> {
    const reset = only ?? [...this.tasks.values()];
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

  async closeAll(): Promise<void> {
    for (const task of this.tasks.values()) await task.close().catch(() => undefined);
    this.tasks.clear();
  }

  /** Opens, restores and builds the tasks (see task-factory.ts); nothing is processed before this returns. */
  private async createTasks(list: Array<{ st: SubTopology; p: number }>): Promise<void> {
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
    }
  }

  private tasksOf(tps: TopicPartition[]): Task[] {
    const ids = new Set<string>();
    for (const tp of tps) for (const st of this.bySourceTopic.get(tp.topic) ?? []) ids.add(`${st.id}_${tp.partition}`);
    return [...ids].map((id) => this.tasks.get(id)).filter((t): t is Task => t !== undefined);
  }
}
