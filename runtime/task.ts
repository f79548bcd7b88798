/**
 * A task: one partition of one sub-topology, as in Kafka Streams. It owns the
 * node instances (fresh per task), the task's state, its pending outputs and
 * the offsets it consumed. Records of one task are processed one at a time in
 * arrival order; tasks are independent of each other.
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { Logger } from '../processors/types.js';
import type { LogRecord, OutgoingRecord } from '../transports/types.js';
import type { KeyValueStore } from '../state/types.js';
import type { Clock } from './clock.js';
import { deadLetter } from './dead-letter.js';
import type { EngineMetrics } from './metrics.js';
import { FatalProcessingError, type NodeHost, NodeRuntime } from './node.js';
import { PunctuationQueue } from './punctuation.js';
import { RecordCollector } from './record-collector.js';
import { jsonSerdes, type ValueSerdes } from './serde.js';
import type { TaskState } from './task-state.js';
import { wireTaskGraph, type GraphFactories } from './task-graph.js';

export interface TaskOptions {
  pipeline: Pipeline;
  subtopology: SubTopology;
  partition: number;
  state: TaskState;
  factories: GraphFactories;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  partitionFor(key: string, partitions: number): number;
  /** Where records of `delivery: immediate` topics go (sent at once, outside the transaction). */
  immediate?: (record: OutgoingRecord) => void;
  /** Value serdes by topic (default: plain JSON everywhere). */
  serdes?: ValueSerdes;
}

export class Task implements NodeHost {
  readonly id: string;
  readonly collector = new RecordCollector();
  readonly punctuations = new PunctuationQueue();
  readonly nodes = new Map<string, NodeRuntime>();
  /** Source node by physical topic. */
  private readonly sources = new Map<string, NodeRuntime>();
  /** Table store by physical topic. */
  private readonly tables = new Map<string, KeyValueStore>();
  /** Next offset to commit per `topic:partition`. */
  private readonly consumed = new Map<string, { topic: string; partition: number; offset: number }>();
  private current: LogRecord | undefined;
  private failure: unknown;
  streamTime = Number.NEGATIVE_INFINITY;

  constructor(readonly options: TaskOptions) {
    this.id = `${options.subtopology.id}_${options.partition}`;
    wireTaskGraph(this, options);
    for (const node of this.nodes.values()) {
      if (node.spec.kind === 'source' && node.spec.topic) this.sources.set(options.pipeline.topics[node.spec.topic]!.name, node);
    }
    for (const topicId of options.subtopology.tableTopics) {
      const store = Object.values(options.pipeline.stores).find((s) => s.fromTopic === topicId);
      if (store) this.tables.set(options.pipeline.topics[topicId]!.name, options.state.getStore(store.id) as KeyValueStore);
    }
  }

  get partition(): number {
    return this.options.partition;
  }

  async init(): Promise<void> {
    for (const node of this.nodes.values()) await node.processor?.init?.(node.context!);
  }

  /** Processes one record synchronously (asynchronous nodes continue in their lanes). */
  process(record: LogRecord): void {
    this.throwIfFailed();
    this.current = record;
    this.consumed.set(`${record.topic}:${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    try {
      const table = this.tables.get(record.topic);
      if (table) {
        this.updateTable(table, record);
      } else {
        const source = this.sources.get(record.topic);
        if (!source) throw new AuraError(ErrorCodes.PROCESSOR_FAILED, `task ${this.id} got a record of topic ${record.topic} it does not read`);
        let value: unknown;
        try {
          value = (this.options.serdes ?? jsonSerdes).decode(record.topic, record.value);
        } catch (err) {
          source.errors++;
          this.handleError(source, record, err);
          return;
        }
        source.processed++;
        source.forward({ key: record.key, value, timestamp: record.timestamp, headers: record.headers });
      }
      if (record.timestamp > this.streamTime) {
        this.streamTime = record.timestamp;
        this.punctuations.fire('stream_time', this.streamTime);
      }
    } catch (err) {
      if (err instanceof FatalProcessingError) this.failure = err;
      throw err;
    } finally {
      this.current = undefined;
    }
  }

  punctuateWallClock(now: number): void {
    this.punctuations.fire('wall_clock', now);
  }

  currentSource(): LogRecord | undefined {
    return this.current;
  }

  handleError(node: NodeRuntime, source: LogRecord | undefined, err: unknown): void {
    const { metrics, logger, pipeline } = this.options;
    metrics.node(node.id).errors++;
    const policy = node.spec.onError;
    const where = source ? `${source.topic}[${source.partition}]@${source.offset}` : 'punctuation';
    if (policy === 'fail') {
      logger.error({ node: node.id, task: this.id, where, err: errorMessage(err) }, 'processing failed; stopping (on_error: fail)');
      throw new FatalProcessingError(node.id, err);
    }
    const dlqId = pipeline.defaults.deadLetterTopic;
    if (policy === 'dead_letter' && source && dlqId) {
      const dlq = pipeline.topics[dlqId]!;
      const record = deadLetter(pipeline.app, dlq.name, source, node.id, err, this.options.clock.now());
      record.partition = source.key === null ? source.partition % dlq.partitions : this.options.partitionFor(source.key, dlq.partitions);
      this.collector.add(record);
      metrics.deadLetters++;
      logger.warn({ node: node.id, task: this.id, where, err: errorMessage(err) }, 'record sent to the dead letter topic');
      return;
    }
    metrics.skipped++;
    logger.warn({ node: node.id, task: this.id, where, err: errorMessage(err) }, 'record skipped');
  }

  onProcessed(node: NodeRuntime, startedAt: number): void {
    const m = this.options.metrics.node(node.id);
    m.processed++;
    m.latencyMsTotal += performance.now() - startedAt;
  }

  fail(err: unknown): void {
    this.failure ??= err;
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Records queued or running in asynchronous lanes. */
  inflight(): number {
    let n = 0;
    for (const node of this.nodes.values()) n += node.lane?.size ?? 0;
    return n;
  }

  async drain(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.lane?.drain()));
    this.throwIfFailed();
  }

  /** Offsets to commit (next offset to read) for the records processed since the last commit. */
  consumedOffsets(): Array<{ topic: string; partition: number; offset: number }> {
    return [...this.consumed.values()];
  }

  /** The commit made it: start counting anew. */
  markCommitted(): void {
    this.consumed.clear();
  }

  /** The commit failed: outputs and offsets of the uncommitted work are dropped (it is re-processed). */
  rollback(): void {
    this.collector.clear();
    this.consumed.clear();
    this.options.state.abortCommit();
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) {
      node.lane?.close();
      await node.processor?.close?.();
    }
    this.options.state.close();
  }

  private updateTable(table: KeyValueStore, record: LogRecord): void {
    if (record.key === null) return; // a table record without a key cannot be stored (Kafka Streams drops it too)
    if (record.value === null) table.delete(record.key);
    else table.put(record.key, (this.options.serdes ?? jsonSerdes).decode(record.topic, record.value));
  }
}
