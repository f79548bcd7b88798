/**
 * The compiled, resolved pipeline: what `compilePipeline()` returns and what the
 * runtime, `aura describe`, `aura topics` and the gateway consume. Everything
 * here is plain data (JSON-serialisable), so `aura describe --format json` is
 * just this object.
 */

/** A position in the source YAML (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';
export type ErrorPolicy = 'fail' | 'skip' | 'dead_letter';
/** How record values are encoded: plain JSON, or through the Schema Registry (Confluent wire format). */
export type ValueFormat = 'json' | 'json_sr' | 'avro';

export interface TopicSpec {
  /** Logical id used in pipeline.yaml (e.g. `user_events`). */
  id: string;
  /** Physical topic name (e.g. `aura360.user.events`). */
  name: string;
  partitions: number;
  replication: number;
  retentionMs: number;
  cleanup: CleanupPolicy;
  /** Event schema id (file `schemas/events/<id>.schema.json`), if any. */
  schema?: string;
  /** The field the records are keyed by (co-partitioning checks). */
  key: string;
  /** True for topics the compiler derived (changelogs). */
  internal: boolean;
  /** `immediate`: records are sent as produced, outside the exactly-once transaction (at-least-once). Absent = transactional. */
  delivery?: 'immediate';
  /** `json_sr` or `avro`: values go through the Schema Registry. Absent = plain JSON. */
  format?: Exclude<ValueFormat, 'json'>;
  /** `format: avro` with a hand-written schema: absolute path of the .avsc file. */
  avroSchema?: string;
  loc?: SourceLocation;
}

export type StoreKind = 'key_value' | 'window' | 'session';

export interface StoreSpec {
  id: string;
  kind: StoreKind;
  /** Physical changelog topic name, `<app>-<store>-changelog`; null when the store is a table materialised from a topic (the topic is its changelog) or logging is off. */
  changelogTopic: string | null;
  /** For a table: the topic id it is materialised from. */
  fromTopic?: string;
  /** Rows older than this are deleted (and tombstoned in the changelog). */
  ttlMs?: number;
  /** Window stores: how long windows are kept. */
  retentionMs?: number;
  /** Window stores: window size (ms), for joins and windowed aggregates. */
  windowSizeMs?: number;
  loc?: SourceLocation;
}

export interface ResourceSpec {
  id: string;
  /** e.g. `minilm`, `openai` (embedders), `embedded`, `qdrant` (vector sinks), `rules`, `openai_chat` (advisors). */
  type: string;
  config: Record<string, unknown>;
  loc?: SourceLocation;
}

export type NodeKind = 'source' | 'processor' | 'join' | 'sink';

/** An edge from one node's output port to another node. `port` is `default` unless the node has named outputs (branch, guardian). */
export interface Edge {
  from: string;
  port: string;
  to: string;
}

export interface NodeSpec {
  /** Unique node id: processor/join ids from the YAML; `<topic>-source` and `<node>-to-<topic>` for sources and sinks. */
  id: string;
  kind: NodeKind;
  /** Processor type (`aggregate`, `branch`, ...), `stream_table`/`stream_stream` for joins, `source`/`sink` otherwise. */
  type: string;
  /** Source: the topic id it reads. Sink: the topic id it writes. */
  topic?: string;
  /** Ids of the stores this node reads or writes. */
  stores: string[];
  /** Processor config after env interpolation and defaults (validated against the type's schema). */
  config: Record<string, unknown>;
  onError: ErrorPolicy;
  /** Max in-flight records for asynchronous processors (per task); per-key order is kept. */
  concurrency: number;
  /** Joins only. */
  join?: {
    kind: 'inner' | 'left';
    /** Node id (or `node.port`) feeding the left side. */
    left: string;
    /** stream_table: the store id of the table; stream_stream: node id feeding the right side. */
    right: string;
    windowSizeMs?: number;
    graceMs?: number;
    /** stream_stream: the two window stores, named `<join>_left` and `<join>_right`. */
    leftStore?: string;
    rightStore?: string;
  };
  loc?: SourceLocation;
}

export interface SubTopology {
  id: number;
  /** Topic ids read by this sub-topology (records drive processing). */
  sourceTopics: string[];
  /** Topic ids read only to materialise tables (restore / update stores). */
  tableTopics: string[];
  /** Topic ids written by this sub-topology. */
  sinkTopics: string[];
  /** Node ids in topological order. */
  nodes: string[];
  /** Store ids owned by this sub-topology's tasks. */
  stores: string[];
  /** Partition count of its source topics (all equal: co-partitioned). Tasks are `<id>_<partition>`. */
  partitions: number;
  /**
   * Set when this sub-topology is fused (topology/fusion.ts): it runs inside the tasks of that
   * sub-topology (the head of its chain, `<head>_<partition>`), its input passed in memory.
   */
  fusedInto?: number;
}

/** The compiler's decision on one topic: is its reader fused into its writer's tasks, and why (or why not). */
export interface FusionDecision {
  /** Topic id. */
  topic: string;
  fused: boolean;
  /** One sentence, for `aura describe` and `aura validate`. */
  reason: string;
  /** The sub-topology whose sinks write the topic, when exactly one does. */
  writer?: number;
  /** The sub-topology reading it as a stream, when there is one. */
  reader?: number;
}

export interface PipelineDefaults {
  partitions: number;
  replication: number;
  retentionMs: number;
  processing: ProcessingGuarantee;
  commitIntervalMs: number;
  /** How long a broker operation may keep failing before the engine gives up (`task_timeout`). */
  taskTimeoutMs: number;
  onError: ErrorPolicy;
  deadLetterTopic?: string;
  stateDir: string;
  key: string;
  /** Record cache budget of each task, estimated bytes (state/record-cache.ts). */
  cacheMaxBytes: number;
  /** How often a task writes committed state to SQLite, ms; 0 = every commit (state/task-state-manager.ts). */
  stateFlushIntervalMs: number;
  /** Stream threads of an `aura run` process on Kafka (runtime/stream-threads.ts). */
  streamThreads: number;
}

/** librdkafka properties from the `kafka:` block, by client role. */
export interface KafkaClientBlock {
  common?: Record<string, string | number | boolean>;
  consumer?: Record<string, string | number | boolean>;
  producer?: Record<string, string | number | boolean>;
}

export interface Pipeline {
  app: string;
  file: string;
  defaults: PipelineDefaults;
  /** The `kafka:` block, when there is one. */
  kafka?: KafkaClientBlock;
  topics: Record<string, TopicSpec>;
  stores: Record<string, StoreSpec>;
  resources: Record<string, ResourceSpec>;
  nodes: Record<string, NodeSpec>;
  edges: Edge[];
  subtopologies: SubTopology[];
  /** A decision for every topic the pipeline declares (changelogs excluded). */
  fusion: FusionDecision[];
}

export type Severity = 'error' | 'warning';

/** One problem found by the compiler, located in the YAML. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  /** Stable code, e.g. `UNKNOWN_TOPIC`, `CYCLE`, `SCHEMA`. See topology/diagnostic-codes.ts. */
  code: string;
  message: string;
}

export interface CompileResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Present when there are no errors (warnings allowed). */
  pipeline?: Pipeline;
}
