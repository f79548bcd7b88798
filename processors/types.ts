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
}

export interface ProcessorType<C = Record<string, unknown>> extends ProcessorSpec<C> {
  /** A fresh instance per task, like Kafka Streams' ProcessorSupplier. */
  create(config: C, nodeId: string): Processor;
}
