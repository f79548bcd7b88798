/**
 * What a processor instance sees at run time (a context, as in Kafka Streams'
 * ProcessorContext) and what a processor type is to the compiler and the
 * engine (declared with `defineProcessor`, define.ts). Processors never
 * import Kafka, Hono or better-sqlite3.
 */
import type { TObject } from '@sinclair/typebox';
import type { ResourceRole } from '../providers/resource.js';
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
  /** Counts a record dropped because its window had closed (Kafka Streams' dropped-records metric). */
  lateRecordDropped(): void;
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
  role: ResourceRole;
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

/** The node a processor instance is created for: its id and the stores it declared (`store`/`stores`). */
export interface ProcessorNode {
  id: string;
  stores: string[];
}

/** A config as the compiler validated it (defaults filled, durations as written). */
export type ValidatedConfig = Record<string, unknown>;

/**
 * A processor type as the compiler, the engine and the docs generator see it,
 * made by `defineProcessor` (define.ts) and listed in registry.ts. Its
 * functions take the validated config and hand the processor's own code the
 * parsed one (defaults, durations in ms).
 */
export interface ProcessorType {
  readonly type: string;
  readonly summary: string;
  /** Markdown, for the generated reference docs. */
  readonly description: string;
  /** The JSON Schema of `config` (a TypeBox object: plain JSON Schema to ajv, editors and the docs). */
  readonly configSchema: TObject;
  readonly examples: readonly ProcessorExample[];
  /** Whether `process()` is asynchronous (uses `concurrency`). */
  readonly async: boolean;
  /** `concurrency` when the pipeline does not set it: the type's default for asynchronous types, 1 for synchronous ones. */
  readonly defaultConcurrency: number;
  /** Named output ports; `['default']` for most types. */
  ports(config: ValidatedConfig): string[];
  /** Resources the config names, where, and the role each must have (checked by the compiler). */
  resourceRefs?(config: ValidatedConfig): ResourceRef[];
  /** JSONata expressions in the config (syntax-checked by the compiler). */
  expressions?(config: ValidatedConfig): ConfigExpression[];
  /** The store this type needs (undefined: none). The compiler reports MISSING_STORE / STORE_KIND_MISMATCH. */
  storeRequirement?(config: ValidatedConfig): StoreRequirement | undefined;
  /** Checks beyond the JSON Schema, run on a schema-valid config. */
  check?(config: ValidatedConfig): ConfigIssue[];
  /**
   * Whether the records it forwards may carry another key than the record they came from (a
   * re-key). Undefined: the key is kept. The compiler fuses a topic into its writer's tasks only
   * when no processor between them changes the key (topology/fusion.ts).
   */
  changesKey?(config: ValidatedConfig): boolean;
  /** A fresh instance per task, like Kafka Streams' ProcessorSupplier. */
  create(config: ValidatedConfig, node: ProcessorNode): Processor;
}
