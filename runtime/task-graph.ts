/**
 * Builds a task's live graph from the compiled pipeline, before the task
 * exists (as Kafka Streams builds a ProcessorTopology and then hands it to its
 * StreamTask): a NodeRuntime per node, a fresh processor instance per node and
 * task (as Kafka Streams' suppliers), a processor context per node, sinks that
 * serialise into the task's collector, the edges, and the source and table
 * lookups the task routes polled records through.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { ProcessorContext, ProcessorType, StreamRecord } from '../processors/types.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../state/types.js';
import type { NodeSpec, Pipeline, SubTopology } from '../topology/model.js';
import type { LogRecord } from '../transports/types.js';
import type { Clock } from './clock.js';
import { KeyedLane } from './keyed-lane.js';
import { LaneTracker } from './lane-tracker.js';
import { NodeRuntime, originOf, type Receiver } from './node.js';
import { traceProcessor, traceReceiver } from './node-tracing.js';
import { jsonSerdes } from './serde.js';
import type { TaskContext } from './task-context.js';
import { TaskScope } from './task-scope.js';
import type { TaskState } from './task-state.js';

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

export interface TaskGraphInput {
  pipeline: Pipeline;
  /** The sub-topologies the task runs: one, or a fused chain (head first). */
  subtopologies: SubTopology[];
  /** Physical names of the topics whose reader runs in this task (fused): their sinks hand each record to it. */
  fusedTopics?: string[];
  state: TaskState;
  factories: GraphFactories;
  clock: Clock;
}

/** A record source of the task: the node it enters at and the scope it runs in. */
export interface TaskSource {
  node: NodeRuntime;
  scope: TaskScope;
}

export interface TaskGraph {
  nodes: Map<string, NodeRuntime>;
  /** One per sub-topology, in the order given. */
  scopes: TaskScope[];
  /** Stream sources by physical topic. */
  sources: Map<string, TaskSource>;
  /** Table stores by physical topic (records update the store; nothing is forwarded). */
  tables: Map<string, { store: KeyValueStore; scope: TaskScope }>;
}

export function buildTaskGraph(context: TaskContext, input: TaskGraphInput): TaskGraph {
  const { pipeline, subtopologies, factories } = input;
  const graph: TaskGraph = { nodes: new Map(), scopes: [], sources: new Map(), tables: new Map() };
  for (const st of subtopologies) {
    const scope = new TaskScope(context, st);
    graph.scopes.push(scope);
    for (const id of st.nodes) {
      const spec = pipeline.nodes[id];
      if (!spec) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `sub-topology ${st.id} names unknown node "${id}"`);
      const node = new NodeRuntime(spec, scope);
      node.context = makeContext(context, scope, node, input);
      graph.nodes.set(id, node);
      if (spec.kind === 'source' && spec.topic) graph.sources.set(pipeline.topics[spec.topic]!.name, { node, scope });
    }
    for (const topicId of st.tableTopics) {
      const store = Object.values(pipeline.stores).find((s) => s.fromTopic === topicId);
      if (store) graph.tables.set(pipeline.topics[topicId]!.name, { store: input.state.getStore(store.id) as KeyValueStore, scope });
    }
  }
  for (const edge of pipeline.edges) {
    const from = graph.nodes.get(edge.from);
    const to = graph.nodes.get(edge.to);
    if (from && to) from.connect(edge.port, to);
  }
  const fused = new Set(input.fusedTopics ?? []);
  // Opt-in (AURA_COMMIT_LEAVES_LANE_WORK=1): commits may leave a fused reader's lane work to a
  // later commit when no fused reader keeps state (lane-tracker.ts). Off by default: it took the
  // catch-up pacing away from a backlog behind MiniLM (bench (b) 1,371 -> 297 events/s, each
  // context embedded 6x as often) and delayed embedded statuses by a commit (docs/benchmarks.md).
  if (fused.size > 0 && subtopologies.slice(1).every((st) => st.stores.length === 0) && process.env.AURA_COMMIT_LEAVES_LANE_WORK === '1') {
    const collector = context.collector;
    collector.lanes = new LaneTracker((records) => collector.release(records));
  }
  for (const node of graph.nodes.values()) {
    const spec = node.spec;
    if (spec.kind === 'sink') {
      const name = pipeline.topics[spec.topic!]?.name;
      node.receiver = sinkReceiver(context, spec, name !== undefined && fused.has(name) ? graph.sources.get(name) : undefined);
    } else if (spec.kind === 'join')
      node.receiver = traceReceiver(factories.join({ spec, context: node.context!, sideOf: sideResolver(spec, pipeline) }), spec, node.context);
    else if (spec.kind === 'processor') {
      const type = factories.processorType(spec.type);
      if (!type) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `node "${spec.id}" has unknown processor type "${spec.type}"`);
      node.processor = traceProcessor(type.create(spec.config as never, { id: spec.id, stores: spec.stores }), spec, type.async);
      if (type.async) {
        node.lane = new KeyedLane(spec.concurrency);
        node.lanes = context.collector.lanes;
      }
    }
  }
  return graph;
}

/**
 * A sink: the record is serialised into the task's collector (or sent at once for `delivery:
 * immediate`). For a fused topic (`reader` set) the reading sub-topology runs in this task: it
 * gets the record right away, decoded from the bytes the topic receives, exactly as it would
 * read it from the log — only its offset is not known yet (-1).
 */
function sinkReceiver(context: TaskContext, spec: NodeSpec, reader?: TaskSource): Receiver {
  const { pipeline, immediate: sendNow, partitionFor, metrics } = context.options;
  const topic = pipeline.topics[spec.topic!];
  if (!topic) throw new AuraError(ErrorCodes.PIPELINE_INVALID, `sink "${spec.id}" writes unknown topic "${spec.topic}"`);
  const immediate = topic.delivery === 'immediate' ? sendNow : undefined;
  const serdes = context.options.serdes ?? jsonSerdes;
  const e2e = metrics.sinkE2e(spec.id);
  return (record: StreamRecord) => {
    // The engine picks partitions itself (murmur2, like Kafka's default partitioner) so that
    // the embedded log and every Kafka client agree on where a key lives.
    const partition = record.key === null ? context.partition % topic.partitions : partitionFor(record.key, topic.partitions);
    const out = {
      topic: topic.name,
      partition,
      key: record.key,
      value: serdes.encode(topic.name, record.value),
      timestamp: record.timestamp,
      headers: record.headers,
    };
    // Wall-clock time, whatever clock punctuations use: the gateway stamps records with real time.
    if (record.timestamp > 0) e2e.observe(Math.max(0, Date.now() - record.timestamp));
    if (immediate) immediate(out);
    else context.collector.add(out);
    if (reader) {
      const written: LogRecord = {
        topic: topic.name,
        partition,
        offset: -1,
        key: out.key,
        value: out.value,
        timestamp: record.timestamp,
        headers: record.headers,
      };
      let value: unknown;
      try {
        value = serdes.decode(topic.name, out.value);
      } catch (err) {
        reader.scope.handleError(reader.node, written, err);
        return;
      }
      const lanes = context.collector.lanes;
      if (lanes === undefined) reader.scope.process(reader.node, written, value);
      else lanes.handOff(out, () => reader.scope.process(reader.node, written, value));
    }
  };
}

/** Joins name their sides by topic id, node id or `node.port`; records arrive from (node, port). */
function sideResolver(spec: NodeSpec, pipeline: Pipeline): (from: string, port: string) => 'left' | 'right' {
  const refs = (ref: string | undefined): Set<string> => {
    const set = new Set<string>();
    if (!ref) return set;
    set.add(ref);
    if (pipeline.topics[ref]) set.add(`${ref}-source`);
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

function makeContext(context: TaskContext, scope: TaskScope, node: NodeRuntime, input: TaskGraphInput): ProcessorContext {
  const { pipeline, state, clock, factories } = input;
  const { logger, metrics } = context.options;
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
    taskId: context.id,
    partition: context.partition,
    nodeId: node.id,
    forward: (record, port) => node.forward(record, port),
    getKeyValueStore: <V>(name: string) => store<KeyValueStore<V>>(name, 'key_value'),
    getWindowStore: <V>(name: string) => store<WindowStore<V>>(name, 'window'),
    getSessionStore: <V>(name: string) => store<SessionStore<V>>(name, 'session'),
    getResource: <T>(id: string) => factories.resource<T>(id),
    schedule: (intervalMs, type, callback) =>
      scope.punctuations.schedule(intervalMs, type, type === 'stream_time' ? scope.streamTime : clock.now(), (time) => {
        try {
          callback(time);
        } catch (err) {
          scope.handleError(node, undefined, err);
        }
      }),
    streamTime: () => scope.streamTime,
    wallClockTime: () => clock.now(),
    origin: () => originOf(scope.currentSource()),
    lateRecordDropped: () => void metrics.droppedRecordsTotal++,
    logger: child ? child.call(logger, { node: node.id, task: context.id }) : logger,
  };
}
