/**
 * One sub-topology inside a task, as its nodes see it: the record in
 * progress (for dead letters and `origin()`), the sub-topology's stream time
 * (the highest timestamp of the records that entered it, as in Kafka Streams)
 * and its punctuations. What the task's sub-topologies share (collector,
 * failure policy, metrics) is the TaskContext.
 */

import type { PunctuationType } from '../processors/types.js';
import type { SubTopology } from '../topology/model.js';
import type { LogRecord } from '../transports/types.js';
import type { NodeHost, NodeRuntime } from './node.js';
import { PunctuationQueue } from './punctuation.js';
import type { TaskContext } from './task-context.js';

export class TaskScope implements NodeHost {
  readonly punctuations = new PunctuationQueue();
  streamTime = Number.NEGATIVE_INFINITY;
  private current: LogRecord | undefined;

  constructor(
    readonly context: TaskContext,
    readonly subtopology: SubTopology,
  ) {}

  currentSource(): LogRecord | undefined {
    return this.current;
  }

  handleError(node: NodeRuntime, source: LogRecord | undefined, err: unknown): void {
    this.context.handleError(node, source, err);
  }

  onProcessed(node: NodeRuntime, startedAt: number): void {
    this.context.onProcessed(node, startedAt);
  }

  fail(err: unknown): void {
    this.context.fail(err);
  }

  /**
   * Runs a decoded record from `source` through the nodes downstream of it, synchronously,
   * then advances stream time (firing due stream-time punctuations). The record stays current
   * while its synchronous part runs; the previous one is current again afterwards.
   */
  process(source: NodeRuntime, record: LogRecord, value: unknown): void {
    const previous = this.current;
    this.current = record;
    try {
      this.context.options.metrics.node(source.id).processTotal++;
      source.forward({ key: record.key, value, timestamp: record.timestamp, headers: record.headers });
      this.advance(record.timestamp);
    } finally {
      this.current = previous;
    }
  }

  /** A record entered the sub-topology (a table update too): stream time moves forward to its timestamp. */
  advance(timestamp: number): void {
    if (timestamp <= this.streamTime) return;
    this.streamTime = timestamp;
    this.punctuate('stream_time', timestamp);
  }

  /** Runs the due punctuations of `type` at `time` (counted in the thread's punctuate metrics). */
  punctuate(type: PunctuationType, time: number): void {
    if (this.punctuations.isEmpty) return;
    const started = performance.now();
    const fired = this.punctuations.fire(type, time);
    if (fired === 0) return;
    const { metrics } = this.context.options;
    metrics.punctuateTotal += fired;
    metrics.punctuateLatency.observe(performance.now() - started);
  }
}
