/**
 * What the nodes of one task share, created before its graph: the task's id
 * and partition, its output collector, its failure policy (dead letters,
 * skips, `fail`) and the metrics every processed record counts into. One
 * TaskScope per sub-topology the task runs (task-scope.ts) adds what differs
 * between them: the record in progress, stream time, punctuations.
 */
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Pipeline } from '../topology/model.js';
import type { LogRecord, OutgoingRecord } from '../transports/types.js';
import type { Clock } from './clock.js';
import { deadLetter } from './dead-letter.js';
import type { EngineMetrics } from './metrics.js';
import { FatalProcessingError, type NodeRuntime } from './node.js';
import { RecordCollector } from './record-collector.js';
import type { ValueSerdes } from './serde.js';

export interface TaskContextOptions {
  pipeline: Pipeline;
  /** `<sub-topology>_<partition>`: the sub-topology whose tasks these are (the head of a fused chain). */
  id: string;
  partition: number;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  partitionFor(key: string, partitions: number): number;
  /** Where records of `delivery: immediate` topics go (sent at once, outside the transaction). */
  immediate?: (record: OutgoingRecord) => void;
  /** Value serdes by topic (default: plain JSON everywhere). */
  serdes?: ValueSerdes;
}

export class TaskContext {
  readonly collector = new RecordCollector();
  private failure: unknown;

  constructor(readonly options: TaskContextOptions) {}

  get id(): string {
    return this.options.id;
  }

  get partition(): number {
    return this.options.partition;
  }

  /** Applies the node's failure policy; throws a FatalProcessingError under `fail`. */
  handleError(node: NodeRuntime, source: LogRecord | undefined, err: unknown): void {
    const { metrics, logger, pipeline } = this.options;
    metrics.node(node.id).errorTotal++;
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
      metrics.deadLetterRecordsTotal++;
      logger.warn({ node: node.id, task: this.id, where, err: errorMessage(err) }, 'record sent to the dead letter topic');
      return;
    }
    metrics.skippedRecordsTotal++;
    logger.warn({ node: node.id, task: this.id, where, err: errorMessage(err) }, 'record skipped');
  }

  onProcessed(node: NodeRuntime, startedAt: number): void {
    const m = this.options.metrics.node(node.id);
    const ms = performance.now() - startedAt;
    m.processTotal++;
    m.processLatencyMsTotal += ms;
    if (ms > m.processLatencyMsMax) m.processLatencyMsMax = ms;
  }

  /** Stops the task: the next call into it throws `err`. */
  fail(err: unknown): void {
    this.failure ??= err;
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
