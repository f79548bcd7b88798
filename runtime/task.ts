/**
 * A task: one partition of one sub-topology, as in Kafka Streams. It is
 * handed its graph (task-graph.ts: node instances, fresh per task) and its
 * context (task-context.ts: collector, failure policy), owns the task's state
 * and the offsets it consumed, and processes its records one at a time in
 * arrival order; tasks are independent of each other.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { KeyValueStore } from '../state/types.js';
import type { Pipeline } from '../topology/model.js';
import type { LogRecord, TopicPartitionOffset } from '../transports/types.js';
import type { LaneTracker } from './lane-tracker.js';
import { FatalProcessingError, type NodeRuntime } from './node.js';
import type { RecordCollector } from './record-collector.js';
import { jsonSerdes, type ValueSerdes } from './serde.js';
import type { TaskContext } from './task-context.js';
import type { TaskGraph } from './task-graph.js';
import type { TaskScope } from './task-scope.js';
import type { TaskState } from './task-state.js';
import type { TaskUnit } from './task-units.js';

export interface TaskOptions {
  pipeline: Pipeline;
  /** What the task runs: one sub-topology, or a fused chain (its nodes, stores and outputs all together). */
  subtopology: TaskUnit;
  partition: number;
  state: TaskState;
  /** Value serdes by topic (default: plain JSON everywhere). */
  serdes?: ValueSerdes;
}

export class Task {
  readonly id: string;
  private readonly serdes: ValueSerdes;
  /** Next offset to commit per `topic:partition`. */
  private consumed = new Map<string, TopicPartitionOffset>();
  /** The entry of `consumed` the last record moved (records mostly come in runs of one partition): updated in place. */
  private lastConsumed: { topic: string; partition: number; offset: number } | undefined;

  constructor(
    readonly options: TaskOptions,
    readonly context: TaskContext,
    private readonly graph: TaskGraph,
  ) {
    this.id = context.id;
    this.serdes = options.serdes ?? jsonSerdes;
  }

  get partition(): number {
    return this.options.partition;
  }

  get collector(): RecordCollector {
    return this.context.collector;
  }

  /** The task's node instances by id (tests reach a node's real context through it). */
  get nodes(): ReadonlyMap<string, NodeRuntime> {
    return this.graph.nodes;
  }

  /** One per sub-topology the task runs; punctuations fire in this order. */
  get scopes(): readonly TaskScope[] {
    return this.graph.scopes;
  }

  /** The lowest stream time of the task's sub-topologies that have seen a record (purges go by it). */
  get streamTime(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const s of this.graph.scopes) if (s.streamTime > Number.NEGATIVE_INFINITY && s.streamTime < t) t = s.streamTime;
    return t === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : t;
  }

  async init(): Promise<void> {
    for (const node of this.graph.nodes.values()) await node.processor?.init?.(node.context!);
  }

  /** Processes one record synchronously (asynchronous nodes continue in their lanes). */
  process(record: LogRecord): void {
    this.context.throwIfFailed();
    const last = this.lastConsumed;
    if (last !== undefined && last.partition === record.partition && last.topic === record.topic) last.offset = record.offset + 1;
    else {
      this.lastConsumed = { topic: record.topic, partition: record.partition, offset: record.offset + 1 };
      this.consumed.set(`${record.topic}:${record.partition}`, this.lastConsumed);
    }
    try {
      const table = this.graph.tables.get(record.topic);
      if (table) {
        this.updateTable(table.store, record);
        table.scope.advance(record.timestamp);
        return;
      }
      const source = this.graph.sources.get(record.topic);
      if (!source) throw new AuraError(ErrorCodes.PROCESSOR_FAILED, `task ${this.id} got a record of topic ${record.topic} it does not read`);
      let value: unknown;
      try {
        value = this.serdes.decode(record.topic, record.value);
      } catch (err) {
        source.scope.handleError(source.node, record, err);
        return;
      }
      source.scope.process(source.node, record, value);
    } catch (err) {
      if (err instanceof FatalProcessingError) this.context.fail(err);
      throw err;
    }
  }

  punctuateWallClock(now: number): void {
    for (const scope of this.graph.scopes) scope.punctuate('wall_clock', now);
  }

  /** Records queued or running in asynchronous lanes. */
  inflight(): number {
    let n = 0;
    for (const node of this.graph.nodes.values()) n += node.lane?.size ?? 0;
    return n;
  }

  /**
   * Waits for the asynchronous lanes; throws when the task failed meanwhile. A lane's records go on
   * into the lanes of asynchronous nodes after it (a fused chain: vectorize → ingest), which were
   * empty when the wait began: wait again until every lane is empty, or their outputs would miss
   * the commit that takes their input's offset.
   */
  async drain(): Promise<void> {
    do {
      await Promise.all([...this.graph.nodes.values()].map((n) => n.lane?.drain()));
      this.context.throwIfFailed();
    } while (this.inflight() > 0);
  }

  /** Set when commits may leave the fused readers' lane work to a later commit (lane-tracker.ts). */
  get lanes(): LaneTracker | undefined {
    return this.context.collector.lanes;
  }

  /**
   * What a commit's first half waits for: every lane (drain) — or, when the task tracks its lanes,
   * only the jobs that no fused record roots (their input offsets commit now); the rest is held
   * per root and committed once done.
   */
  async settle(): Promise<void> {
    const lanes = this.lanes;
    if (lanes === undefined) return this.drain();
    await lanes.rootlessDone();
    this.context.throwIfFailed();
  }

  throwIfFailed(): void {
    this.context.throwIfFailed();
  }

  /** Whether it processed records since the last commit (or finished lane work a commit must record). */
  hasUncommitted(): boolean {
    // Lane work released since the last commit moves fused positions, even with no output.
    return this.consumed.size > 0 || this.lanes?.hasReleased() === true;
  }

  /**
   * The offsets to commit (next offset to read) for the records processed since the last call,
   * which start counting anew: a commit takes them when it is prepared.
   */
  takeConsumed(): TopicPartitionOffset[] {
    const taken = [...this.consumed.values()];
    this.consumed = new Map();
    this.lastConsumed = undefined; // handed out: never changed again
    return taken;
  }

  /** The commit failed: outputs and offsets of the uncommitted work are dropped (it is re-processed). */
  rollback(): void {
    this.collector.clear();
    this.consumed.clear();
    this.lastConsumed = undefined;
    this.lanes?.clear();
    this.options.state.abortCommit();
  }

  async close(): Promise<void> {
    for (const node of this.graph.nodes.values()) {
      node.lane?.close();
      await node.processor?.close?.();
    }
    this.options.state.close();
  }

  private updateTable(table: KeyValueStore, record: LogRecord): void {
    if (record.key === null) return; // a table record without a key cannot be stored (Kafka Streams drops it too)
    if (record.value === null) table.delete(record.key);
    else table.put(record.key, this.serdes.decode(record.topic, record.value));
  }
}
