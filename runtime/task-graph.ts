/**
 * Turns a sub-topology of the compiled pipeline into a task's live graph:
 * a NodeRuntime per node, a fresh processor instance per node and task (as
 * Kafka Streams' suppliers), a context per node, sinks that serialise into the
 * task's collector, and the edges between them.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { NodeSpec } from '../topology/model.js';
import type { ProcessorContext, ProcessorType, StreamRecord } from '../processors/types.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../state/types.js';
import { NodeRuntime, originOf, type Receiver } from './node.js';
import { KeyedLane } from './keyed-lane.js';
import { jsonSerdes } from './serde.js';
import type { Task, TaskOptions } from './task.js';

export interface JoinFactoryInput {
  spec: NodeSpec;
  context: ProcessorContext;
  /** Resolves which side a record arriving from (node, port) belongs to. */
  sideOf(from: string, port: string): 'left' | 'right';
}

export interface GraphFactories {
  processorType(type: string): ProcessorType | undefined;
  /** Builds the receiver of a join node (stream_table or stream_stream). */
  join(input: JoinFactoryInput): Receiver;
  resource<T>(id: string): T;
}

export function wireTaskGraph(task: Task, options: TaskOptions): void {
  const { pipeline, subtopology, factories } = options;
  for (const id of subtopology.nodes) {
    const spec = pipeline.nodes[id];
    if (!spec) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `sub-topology ${subtopology.id} names unknown node "${id}"`);
    const node = new NodeRuntime(spec, task);
    node.context = makeContext(task, node, options);
    task.nodes.set(id, node);
  }
  for (const edge of pipeline.edges) {
    const from = task.nodes.get(edge.from);
    const to = task.nodes.get(edge.to);
    if (from && to) from.connect(edge.port, to);
  }
  for (const node of task.nodes.values()) {
    const spec = node.spec;
    if (spec.kind === 'sink') node.receiver = sinkReceiver(task, spec, options);
    else if (spec.kind === 'join') node.receiver = factories.join({ spec, context: node.context!, sideOf: sideResolver(spec, options) });
    else if (spec.kind === 'processor') {
      const type = factories.processorType(spec.type);
      if (!type) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `node "${spec.id}" has unknown processor type "${spec.type}"`);
      node.processor = type.create(spec.config as never, { id: spec.id, stores: spec.stores });
      if (type.async) node.lane = new KeyedLane(spec.concurrency);
    }
  }
}

function sinkReceiver(task: Task, spec: NodeSpec, options: TaskOptions): Receiver {
  const topic = options.pipeline.topics[spec.topic!];
  if (!topic) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `sink "${spec.id}" writes unknown topic "${spec.topic}"`);
  const immediate = topic.delivery === 'immediate' ? options.immediate : undefined;
  const serdes = options.serdes ?? jsonSerdes;
  return (record: StreamRecord) => {
    // The engine picks partitions itself (murmur2, like Kafka's default partitioner) so that
    // the embedded log and every Kafka client agree on where a key lives.
    const partition = record.key === null ? task.partition % topic.partitions : options.partitionFor(record.key, topic.partitions);
    const out = { topic: topic.name, partition, key: record.key, value: serdes.encode(topic.name, record.value), timestamp: record.timestamp, headers: record.headers };
    if (immediate) immediate(out);
    else task.collector.add(out);
  };
}

/** Joins name their sides by topic id, node id or `node.port`; records arrive from (node, port). */
function sideResolver(spec: NodeSpec, options: TaskOptions): (from: string, port: string) => 'left' | 'right' {
  const refs = (ref: string | undefined): Set<string> => {
    const set = new Set<string>();
    if (!ref) return set;
    set.add(ref);
    if (options.pipeline.topics[ref]) set.add(`${ref}-source`);
    if (!ref.includes('.')) set.add(`${ref}.default`);
    return set;
  };
  const left = refs(spec.join?.left);
  const right = refs(spec.join?.right);
  return (from, port) => {
    const key = `${from}.${port}`;
    if (left.has(key) || (port === 'default' && left.has(from))) return 'left';
    if (right.has(key) || (port === 'default' && right.has(from))) return 'right';
    throw new AuraError(ErrorCodes.PROCESSOR_FAILED, `join "${spec.id}" got a record from "${key}", which is neither side`);
  };
}

function makeContext(task: Task, node: NodeRuntime, options: TaskOptions): ProcessorContext {
  const { pipeline, state, clock, logger, factories } = options;
  const allowed = new Set(node.spec.stores);
  const store = <S>(name: string, kind: string): S => {
    if (!allowed.has(name)) {
      throw new AuraError(ErrorCodes.STORE_FAILED, `node "${node.id}" did not declare store "${name}" (declared: ${[...allowed].join(', ') || 'none'})`);
    }
    const spec = pipeline.stores[name];
    if (spec && spec.kind !== kind) throw new AuraError(ErrorCodes.STORE_FAILED, `store "${name}" is a ${spec.kind} store, not ${kind}`);
    return state.getStore(name) as S;
  };
  const child = (logger as { child?: (b: object) => typeof logger }).child;
  return {
    app: pipeline.app,
    taskId: task.id,
    partition: task.partition,
    nodeId: node.id,
    forward: (record, port) => node.forward(record, port),
    getKeyValueStore: <V>(name: string) => store<KeyValueStore<V>>(name, 'key_value'),
    getWindowStore: <V>(name: string) => store<WindowStore<V>>(name, 'window'),
    getSessionStore: <V>(name: string) => store<SessionStore<V>>(name, 'session'),
    getResource: <T>(id: string) => factories.resource<T>(id),
    schedule: (intervalMs, type, callback) =>
      task.punctuations.schedule(intervalMs, type, type === 'stream_time' ? task.streamTime : clock.now(), (time) => {
        try {
          callback(time);
        } catch (err) {
          task.handleError(node, undefined, err);
        }
      }),
    streamTime: () => task.streamTime,
    wallClockTime: () => clock.now(),
    origin: () => originOf(task.currentSource()),
    logger: child ? child.call(logger, { node: node.id, task: task.id }) : logger,
  };
}
