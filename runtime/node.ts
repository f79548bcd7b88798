/**
 * One node of a task's graph. Records travel depth-first and synchronously from
 * node to node (as in Kafka Streams: no queue between a processor and its
 * child); an asynchronous processor hands its records to a KeyedLane and its
 * forwards continue downstream when each promise settles.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Processor, ProcessorContext, RecordOrigin, StreamRecord } from '../processors/types.js';
import type { NodeSpec } from '../topology/model.js';
import type { LogRecord } from '../transports/types.js';
import type { KeyedLane } from './keyed-lane.js';
import type { LaneTracker } from './lane-tracker.js';

/** What a node needs of the task running it (runtime/task-scope.ts). */
export interface NodeHost {
  /** The source record being processed synchronously right now (undefined in punctuations). */
  currentSource(): LogRecord | undefined;
  /** Applies the node's failure policy (counting the error); throws when the policy is `fail`. */
  handleError(node: NodeRuntime, source: LogRecord | undefined, err: unknown): void;
  /** Counts a record the node processed, and the time it took since `startedAt` (performance.now()). */
  onProcessed(node: NodeRuntime, startedAt: number): void;
  /** A processor whose async work failed under `fail`: the task stops. */
  fail(err: unknown): void;
}

/** `from` is the sending node's id and `port` the output it used (joins tell their sides apart by it). */
export type Receiver = (record: StreamRecord, from: string, port: string) => void;

/** Raised by a `fail` policy: it must cross every parent's guard untouched and stop the task. */
export class FatalProcessingError extends Error {
  constructor(
    readonly nodeId: string,
    readonly original: unknown,
  ) {
    super(`node "${nodeId}" failed: ${original instanceof Error ? original.message : String(original)}`, { cause: original });
    this.name = 'FatalProcessingError';
  }
}

export class NodeRuntime {
  readonly children = new Map<string, NodeRuntime[]>();
  processor?: Processor;
  context?: ProcessorContext;
  lane?: KeyedLane;
  /** With `lane`, on a chain whose commits may leave lane work behind: tracks what each job belongs to (lane-tracker.ts). */
  lanes?: LaneTracker;
  /** Set by sinks and joins: how a record arriving from `from` is handled (replaces the processor path). */
  receiver?: Receiver;

  constructor(
    readonly spec: NodeSpec,
    private readonly host: NodeHost,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  connect(port: string, child: NodeRuntime): void {
    const list = this.children.get(port) ?? [];
    list.push(child);
    this.children.set(port, list);
  }

  forward(record: StreamRecord, port = 'default'): void {
    const targets = this.children.get(port);
    if (targets === undefined) {
      if (port === 'default' || this.children.size === 0) return; // an unconnected output is a terminal node
      throw new AuraError(ErrorCodes.PROCESSOR_FAILED, `node "${this.id}" forwarded to unknown port "${port}"`);
    }
    for (const child of targets) child.receive(record, this.id, port);
  }

  receive(record: StreamRecord, from: string, port = 'default'): void {
    const source = this.host.currentSource();
    const started = performance.now();
    // try/catch inline rather than a guard taking a closure: no allocation per record and node.
    if (this.receiver) {
      try {
        this.receiver(record, from, port);
      } catch (err) {
        this.failed(source, err);
      }
      this.host.onProcessed(this, started);
      return;
    }
    const processor = this.processor;
    if (!processor) {
      this.forward(record);
      return;
    }
    if (this.lane) {
      // Capture the origin now: by the time the promise runs, other records are current.
      const job = async (): Promise<void> => {
        const t0 = performance.now();
        try {
          await processor.process(record);
          this.host.onProcessed(this, t0);
        } catch (err) {
          try {
            this.host.handleError(this, source, err);
          } catch (fatal) {
            this.host.fail(fatal);
          }
        }
      };
      const lanes = this.lanes;
      if (lanes === undefined) this.lane.submit(record.key, job);
      else {
        const root = lanes.enter();
        this.lane.submit(record.key, () => lanes.run(root, job));
      }
      return;
    }
    try {
      const result = processor.process(record);
      if (result instanceof Promise) {
        throw new AuraError(ErrorCodes.PROCESSOR_FAILED, `processor "${this.id}" returned a promise but its type is not asynchronous`);
      }
    } catch (err) {
      this.failed(source, err);
    }
    this.host.onProcessed(this, started);
  }

  /** A synchronous processor or receiver threw: its failure policy decides (a fatal error from a child passes through). */
  private failed(source: LogRecord | undefined, err: unknown): void {
    if (err instanceof FatalProcessingError) throw err;
    this.host.handleError(this, source, err);
  }
}

export function originOf(record: LogRecord | undefined): RecordOrigin | undefined {
  return record ? { topic: record.topic, partition: record.partition, offset: record.offset } : undefined;
}
