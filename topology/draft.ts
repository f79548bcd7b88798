/**
 * The pipeline as read from YAML, before references are resolved: typed, with
 * defaults applied and the YAML path of everything, so later stages can report
 * problems where they are. Entries whose shape is too broken to use are left
 * out (their schema errors are already reported).
 */

import type { ProcessorType } from '../processors/types.js';
import type { ResourceType } from '../providers/resource.js';
import type { CleanupPolicy, ErrorPolicy, KafkaClientBlock, PipelineDefaults, StoreKind, ValueFormat } from './model.js';
import type { Path } from './source-doc.js';

/** A reference written in the YAML (topic, node, store or resource id) and where. */
export interface Ref {
  value: string;
  path: Path;
}

export interface DraftTopic {
  id: string;
  name: string;
  partitions: number;
  replication: number;
  retentionMs: number;
  cleanup: CleanupPolicy;
  schema?: Ref;
  key: string;
  delivery: 'transactional' | 'immediate';
  /** `fuse:` (default true): whether its reader may run in its writer's tasks. */
  fuse: boolean;
  format: ValueFormat;
  avroSchema?: Ref;
  path: Path;
}

export interface DraftStore {
  id: string;
  kind: StoreKind;
  from?: Ref;
  ttlMs?: number;
  retentionMs?: number;
  logging: boolean;
  path: Path;
}

export interface DraftResource {
  id: string;
  type: string;
  spec?: ResourceType;
  config: Record<string, unknown>;
  path: Path;
}

/** One `to:` target: a topic for a port (`default` for the plain forms). */
export interface DraftOutput {
  port: string;
  topic: Ref;
  /** Written as a map entry `port: topic` (so the port name was chosen by the user). */
  mapped: boolean;
}

export interface DraftJoin {
  type: 'stream_table' | 'stream_stream';
  kind: 'inner' | 'left';
  left: Ref;
  right: Ref;
  windowSizeMs?: number;
  graceMs?: number;
}

export interface DraftNode {
  id: string;
  kind: 'processor' | 'join';
  /** Processor type, or `stream_table`/`stream_stream`. */
  type: string;
  path: Path;
  /** Position among all nodes as written (processors first, then joins): the tie-break of every ordering. */
  index: number;
  /** Streams read (processors: `from`; joins: `left`, and `right` for stream-stream). */
  inputs: Ref[];
  outputs: DraftOutput[];
  /** Stores used (processors: `store`/`stores`; stream-table joins: `right`). */
  stores: Ref[];
  spec?: ProcessorType;
  /** Config with defaults, when it is valid for the type. */
  config?: Record<string, unknown>;
  /** Output ports; undefined when they cannot be known (unknown type or invalid config). */
  ports?: string[];
  onError: ErrorPolicy;
  concurrency: number;
  join?: DraftJoin;
}

export interface Draft {
  app: string;
  defaults: PipelineDefaults;
  kafka?: KafkaClientBlock;
  deadLetterTopic?: Ref;
  topics: Map<string, DraftTopic>;
  stores: Map<string, DraftStore>;
  resources: Map<string, DraftResource>;
  nodes: Map<string, DraftNode>;
}
