/**
 * What a processor type is (its spec, beside its constructor, as in Redpanda
 * Connect) and what a processor instance sees at run time (a context, as in
 * Kafka Streams' ProcessorContext). Processors never import Kafka, Hono or
 * better-sqlite3.
 */
import type { JSONSchemaType } from 'ajv';
import type { KeyValueStore, SessionStore, WindowStore } from '../state/types.js';

/** A record inside the engine: value already deserialised (JSON). */
export interface StreamRecord<V = unknown> {
  key: string | null;
  value: V;
  timestamp: number;
  headers: Record<string, string>;
}

/** Where the current record came from (for dead letters and tracing). */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
}

export type PunctuationType = 'stream_time' | 'wall_clock';

export interface Cancellable {
  cancel(): void;
}

export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface ProcessorContext {
  readonly app: string;
  /** `<subtopology>_<partition>`. */
  readonly taskId: string;
  readonly partition: number;
  /** This node's id. */
  readonly nodeId: string;
  /** Send a record downstream, to the default output or a named port (branch names, `responses`/`chunks`). */
  forward(record: StreamRecord, port?: string): void;
  getKeyValueStore<V = unknown>(name: string): KeyValueStore<V>;
  getWindowStore<V = unknown>(name: string): WindowStore<V>;
  getSessionStore<V = unknown>(name: string): SessionStore<V>;
  /** A shared resource declared under `resources:` (embedder, vector sink, advisor). */
  getResource<T = unknown>(id: string): T;
  /** Calls `callback(time)` every `intervalMs` of stream time or wall-clock time. */
  schedule(intervalMs: number, type: PunctuationType, callback: (time: number) => void): Cancellable;
  /** Highest record timestamp seen by this task. */
  streamTime(): number;
  /** Wall-clock time (the test driver can advance it). */
  wallClockTime(): number;
  /** Origin of the record being processed (undefined inside punctuations). */
  origin(): RecordOrigin | undefined;
  readonly logger: Logger;
}

export interface Processor<V = unknown> {
  init?(context: ProcessorContext): void | Promise<void>;
  /** Synchronous processors return void; asynchronous ones (embedder, vector sink, LLM) a promise. The runtime keeps per-key order and bounds concurrency. */
  process(record: StreamRecord<V>): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface ProcessorExample {
  title: string;
  /** A `processors:` entry in YAML (validated by a test). */
  yaml: string;
}

/** A resource the config refers to, where, and what role the resource must play. */
export interface ResourceRef {
  /** Path of the referring field inside `config` (e.g. `['embedder']`). */
  path: Array<string | number>;
  id: string;
  role: 'embedder' | 'vector_sink' | 'advisor';
}

/** A JSONata expression inside the config, so the compiler can check its syntax. */
export interface ConfigExpression {
  path: Array<string | number>;
  expression: string;
}

/** What store a processor needs, given its config (e.g. a window store for a tumbling aggregate). */
export interface StoreRequirement {
  kind: 'key_value' | 'window' | 'session';
  /** Window stores: size and grace (ms) of the windows, so retention can be checked against them. */
  windowSizeMs?: number;
  graceMs?: number;
}

/** A semantic problem in a config that JSON Schema cannot express (e.g. a hop larger than its window). */
export interface ConfigIssue {
  path: Array<string | number>;
  /** A diagnostic code (topology/diagnostic-codes.ts), e.g. `INVALID_WINDOW`, `INVALID_CONFIG`. */
  code: string;
  message: string;
}

/** The static part of a processor type: config schema, docs, examples. */
export interface ProcessorSpec<C = Record<string, unknown>> {
  type: string;
  summary: string;
  /** Markdown, for the generated reference docs. */
  description: string;
  configSchema: JSONSchemaType<C> | Record<string, unknown>;
  examples: ProcessorExample[];
  /** Whether `process()` is asynchronous (uses `concurrency`). */
  async: boolean;
  /** Named output ports, given the (validated) config; `['default']` for most types. */
  ports(config: C): string[];
  /** Resource ids the config refers to, so the compiler can check them (e.g. `embedder`, `sink`). */
  resources?(config: C): string[];
  /** Same references with their location in the config and the role the resource must have (checked by the compiler). */
  resourceRefs?(config: C): ResourceRef[];
  /** JSONata expressions in the config (syntax-checked by the compiler). */
  expressions?(config: C): ConfigExpression[];
  /** The store this type needs (undefined: none). The compiler reports MISSING_STORE / STORE_KIND_MISMATCH. */
  storeRequirement?(config: C): StoreRequirement | undefined;
  /** Checks beyond the JSON Schema, run on a schema-valid config. */
  check?(config: C): ConfigIssue[];
  /** Default `concurrency` for asynchronous types (1 for synchronous ones). */
  defaultConcurrency?: number;
}

export interface ProcessorType<C = Record<string, unknown>> extends ProcessorSpec<C> {
  /** A fresh instance per task, like Kafka Streams' ProcessorSupplier. `node` names the node and the stores it declared. */
  create(config: C, node: { id: string; stores: string[] }): Processor;
}
