/**
 * Reads the (schema-checked) document into a Draft: defaults applied,
 * durations in ms, references kept with their paths. Also validates what only
 * the type knows: processor configs and resource fields.
 */

import { didYouMean } from '../common/suggest.js';
import type { ProcessorRegistry } from '../processors/registry.js';
import type { ResourceRegistry } from '../providers/registry.js';
import { parseDuration } from '../schemas/duration.js';
import { DEFAULT_RECORD_CACHE_BYTES } from '../state/record-cache.js';
import { DEFAULT_STATE_FLUSH_INTERVAL_MS } from '../state/types.js';
import { validatorFor } from './ajv.js';
import type { Diagnostics } from './diagnostics.js';
import type { Draft, DraftNode, DraftOutput, DraftResource, DraftStore, DraftTopic, Ref } from './draft.js';
import { sectionEntrySchemas } from './dsl-schema.js';
import { type Misplaced, SECTIONS, type Section } from './misplaced.js';
import type { CleanupPolicy, ErrorPolicy, KafkaClientBlock, PipelineDefaults, StoreKind } from './model.js';
import { checkProcessorConfig, validateAgainst } from './processor-config.js';
import { translateAjvErrors } from './schema-errors.js';
import type { Path } from './source-doc.js';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const int = (x: unknown): number | undefined => (Number.isInteger(x) ? (x as number) : undefined);
const pick = <T extends string>(x: unknown, values: readonly T[]): T | undefined => (values.includes(x as T) ? (x as T) : undefined);
const entries = (x: unknown): Array<[string, Obj]> => (isObj(x) ? Object.entries(x).filter((e): e is [string, Obj] => isObj(e[1])) : []);
const ERROR_POLICIES = ['fail', 'skip', 'dead_letter'] as const;

const ref = (x: unknown, path: Path): Ref | undefined => (typeof x === 'string' ? { value: x, path } : undefined);

/** A reference or a list of references (`from`, `stores`). */
function refs(x: unknown, path: Path): Ref[] {
  if (typeof x === 'string') return [{ value: x, path }];
  if (Array.isArray(x)) return x.flatMap((item, i) => (typeof item === 'string' ? [{ value: item, path: [...path, i] }] : []));
  return [];
}

/** The component types a pipeline may use: the built-in registries, or extended ones (compile options). */
export interface ComponentTypes {
  processors: ProcessorRegistry;
  resources: ResourceRegistry;
}

/** One entry to read: its id, fields and where it is written. */
interface Entry {
  id: string;
  raw: Obj;
  path: Path;
}

/**
 * The entries of each section, each where it belongs: an entry written in the
 * wrong section (reported as WRONG_SECTION) is checked against the schema of
 * its own section, at its place in the file, and read as what it is.
 */
function placeEntries(data: Obj, misplaced: readonly Misplaced[], diags: Diagnostics): Record<Section, Entry[]> {
  const moved = new Set(misplaced.map((m) => `${m.section}/${m.id}`));
  const placed = Object.fromEntries(
    SECTIONS.map((section) => [
      section,
      entries(data[section])
        .filter(([id]) => !moved.has(`${section}/${id}`))
        .map(([id, raw]) => ({ id, raw, path: [section, id] })),
    ]),
  ) as unknown as Record<Section, Entry[]>;
  for (const m of misplaced) {
    if (placed[m.belongs].some((e) => e.id === m.id)) {
      diags.report('DUPLICATE_NAME', m.path, `"${m.id}" is also declared under ${m.belongs}: (and belongs there): ids must be unique`, { target: 'key' });
      continue;
    }
    const raw = structuredClone(m.raw);
    const validate = validatorFor(sectionEntrySchemas[m.belongs]);
    // Translated as if in its own section (messages name it as what it is), reported where it is written.
    if (!validate(raw))
      for (const p of translateAjvErrors(validate.errors ?? [], { basePath: [m.belongs, m.id], data: raw }))
        diags.report(p.code, [m.section, ...p.path.slice(1)], p.message, { target: p.target });
    placed[m.belongs].push({ id: m.id, raw, path: m.path });
  }
  return placed;
}

export function readDraft(data: Obj, diags: Diagnostics, types: ComponentTypes, misplaced: readonly Misplaced[] = []): Draft {
  const defaults = readDefaults(isObj(data.defaults) ? data.defaults : {});
  const rawDefaults = isObj(data.defaults) ? data.defaults : {};
  const placed = placeEntries(data, misplaced, diags);
  const draft: Draft = {
    app: str(data.app) ?? 'app',
    defaults,
    ...(isObj(data.kafka) ? { kafka: readKafka(data.kafka) } : {}),
    deadLetterTopic: ref(rawDefaults.dead_letter_topic, ['defaults', 'dead_letter_topic']),
    topics: new Map(placed.topics.flatMap((e) => optional(readTopic(e.id, e.raw, defaults, e.path)))),
    stores: new Map(placed.stores.flatMap((e) => optional(readStore(e.id, e.raw, e.path)))),
    resources: new Map(placed.resources.flatMap((e) => optional(readResource(e.id, e.raw, diags, types.resources, e.path)))),
    nodes: new Map(),
  };
  let index = 0;
  for (const e of placed.processors) {
    const node = readProcessor(e.id, e.raw, index++, defaults, diags, types.processors, e.path);
    if (node) draft.nodes.set(e.id, node);
  }
  for (const e of placed.joins) {
    const node = readJoin(e.id, e.raw, index++, defaults, diags, e.path);
    if (!node) continue;
    if (draft.nodes.has(e.id)) {
      diags.report('DUPLICATE_NAME', e.path, `join "${e.id}" has the same id as processor "${e.id}": processors and joins share one namespace`, {
        target: 'key',
      });
      continue;
    }
    draft.nodes.set(e.id, node);
  }
  return draft;
}

/** The `kafka:` block: only scalar values (the schema reports the rest). */
function readKafka(raw: Obj): KafkaClientBlock {
  const out: KafkaClientBlock = {};
  for (const section of ['common', 'consumer', 'producer'] as const) {
    const block = raw[section];
    if (!isObj(block)) continue;
    out[section] = Object.fromEntries(
      Object.entries(block).filter((e): e is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof e[1])),
    );
  }
  return out;
}

function optional<T extends { id: string }>(item: T | undefined): Array<[string, T]> {
  return item ? [[item.id, item]] : [];
}

function readDefaults(raw: Obj): PipelineDefaults {
  const processing = pick(raw.processing, ['exactly_once', 'at_least_once'] as const) ?? 'at_least_once';
  return {
    partitions: int(raw.partitions) ?? 1,
    replication: int(raw.replication) ?? 1,
    retentionMs: parseDuration(raw.retention) ?? parseDuration('7d')!,
    processing,
    // Kafka Streams' defaults: commit often under exactly-once (latency of outputs), rarely otherwise.
    commitIntervalMs: parseDuration(raw.commit_interval) ?? (processing === 'exactly_once' ? 100 : 30_000),
    taskTimeoutMs: parseDuration(raw.task_timeout) ?? parseDuration('5m')!,
    onError: pick(raw.on_error, ERROR_POLICIES) ?? 'fail',
    deadLetterTopic: str(raw.dead_letter_topic),
    stateDir: str(raw.state_dir) ?? '.aura/state',
    key: str(raw.key) ?? 'user_id',
    cacheMaxBytes: int(raw.cache_max_bytes) ?? DEFAULT_RECORD_CACHE_BYTES,
    stateFlushIntervalMs: parseDuration(raw.state_flush_interval) ?? DEFAULT_STATE_FLUSH_INTERVAL_MS,
    streamThreads: int(raw.stream_threads) ?? 1,
  };
}

function readTopic(id: string, raw: Obj, defaults: PipelineDefaults, path: Path): DraftTopic | undefined {
  const name = str(raw.name);
  if (name === undefined) return undefined;
  return {
    id,
    name,
    partitions: int(raw.partitions) ?? defaults.partitions,
    replication: int(raw.replication) ?? defaults.replication,
    retentionMs: parseDuration(raw.retention) ?? defaults.retentionMs,
    cleanup: pick(raw.cleanup, ['delete', 'compact', 'compact,delete'] as CleanupPolicy[]) ?? 'delete',
    schema: ref(raw.schema, [...path, 'schema']),
    key: str(raw.key) ?? defaults.key,
    delivery: pick(raw.delivery, ['transactional', 'immediate'] as const) ?? 'transactional',
    fuse: raw.fuse !== false,
    format: pick(raw.format, ['json', 'json_sr', 'avro'] as const) ?? 'json',
    avroSchema: ref(raw.avro_schema, [...path, 'avro_schema']),
    path,
  };
}

function readStore(id: string, raw: Obj, path: Path): DraftStore | undefined {
  const kind = pick(raw.kind, ['key_value', 'window', 'session'] as StoreKind[]);
  if (!kind) return undefined;
  return {
    id,
    kind,
    from: ref(raw.from, [...path, 'from']),
    ttlMs: parseDuration(raw.ttl),
    retentionMs: parseDuration(raw.retention),
    logging: raw.logging !== false,
    path,
  };
}

function readResource(id: string, raw: Obj, diags: Diagnostics, registry: ResourceRegistry, path: Path): DraftResource | undefined {
  const type = str(raw.type);
  if (type === undefined) return undefined;
  const spec = registry.get(type);
  const { type: _type, ...fields } = raw;
  if (!spec) {
    const known = registry.types();
    diags.report(
      'UNKNOWN_RESOURCE_TYPE',
      [...path, 'type'],
      `resource "${id}": unknown type "${type}"${didYouMean(type, known)}; the types are ${known.join(', ')}`,
    );
    return { id, type, config: fields, path };
  }
  const config = validateAgainst(spec.configSchema, fields, path, diags);
  return { id, type, spec, config: config ?? fields, path };
}

function readOutputs(x: unknown, path: Path): DraftOutput[] {
  if (isObj(x))
    return Object.entries(x).flatMap(([port, topic]) =>
      typeof topic === 'string' ? [{ port, topic: { value: topic, path: [...path, port] }, mapped: true }] : [],
    );
  return refs(x, path).map((topic) => ({ port: 'default', topic, mapped: false }));
}

function errorPolicy(raw: Obj, defaults: PipelineDefaults): ErrorPolicy {
  return pick(raw.on_error, ERROR_POLICIES) ?? defaults.onError;
}

function readProcessor(
  id: string,
  raw: Obj,
  index: number,
  defaults: PipelineDefaults,
  diags: Diagnostics,
  registry: ProcessorRegistry,
  path: Path,
): DraftNode | undefined {
  const type = str(raw.type);
  if (type === undefined) return undefined;
  const spec = registry.get(type);
  let checked: { config?: Obj; ports?: string[] } = {};
  if (spec) {
    checked = checkProcessorConfig(id, spec, raw.config, diags, [...path, 'config']);
  } else {
    diags.report(
      'UNKNOWN_PROCESSOR_TYPE',
      [...path, 'type'],
      `processor "${id}": unknown type "${type}"${didYouMean(type, registry.types())}; the types are ${registry.types().join(', ')}`,
    );
  }
  const concurrency = int(raw.concurrency);
  if (spec && !spec.async && concurrency !== undefined && concurrency > 1)
    diags.report(
      'INVALID_VALUE',
      [...path, 'concurrency'],
      `processor "${id}": "concurrency" applies to asynchronous types only; a ${type} processor handles records one at a time`,
    );
  return {
    id,
    kind: 'processor',
    type,
    path,
    index,
    inputs: refs(raw.from, [...path, 'from']),
    outputs: readOutputs(raw.to, [...path, 'to']),
    stores: [...refs(raw.store, [...path, 'store']), ...refs(raw.stores, [...path, 'stores'])],
    spec,
    config: checked.config,
    ports: checked.ports,
    onError: errorPolicy(raw, defaults),
    concurrency: concurrency ?? spec?.defaultConcurrency ?? 1,
  };
}

function readJoin(id: string, raw: Obj, index: number, defaults: PipelineDefaults, diags: Diagnostics, path: Path): DraftNode | undefined {
  const type = pick(raw.type, ['stream_table', 'stream_stream'] as const);
  const left = ref(raw.left, [...path, 'left']);
  const right = ref(raw.right, [...path, 'right']);
  if (!type || !left || !right) return undefined;
  const window = isObj(raw.window) ? raw.window : undefined;
  if (type === 'stream_stream' && raw.window === undefined)
    diags.report('MISSING_FIELD', path, `join "${id}": a stream_stream join needs a "window" ({ size, grace }): how far apart the joined records may be`, {
      target: 'key',
    });
  if (type === 'stream_table' && raw.window !== undefined)
    diags.report(
      'INVALID_VALUE',
      [...path, 'window'],
      `join "${id}": "window" applies to stream_stream joins only; a stream_table join matches the table's current value`,
      { target: 'key' },
    );
  const windowSizeMs = type === 'stream_stream' ? parseDuration(window?.size) : undefined;
  const graceMs = type === 'stream_stream' ? (parseDuration(window?.grace) ?? 0) : undefined;
  if (windowSizeMs !== undefined && windowSizeMs <= 0)
    diags.report('INVALID_WINDOW', [...path, 'window', 'size'], `join "${id}": window size must be positive (got ${JSON.stringify(window?.size)})`);
  return {
    id,
    kind: 'join',
    type,
    path,
    index,
    inputs: type === 'stream_stream' ? [left, right] : [left],
    outputs: readOutputs(raw.to, [...path, 'to']),
    stores: type === 'stream_table' ? [right] : [],
    ports: ['default'],
    config: {},
    onError: errorPolicy(raw, defaults),
    concurrency: 1,
    join: { type, kind: pick(raw.kind, ['inner', 'left'] as const) ?? 'inner', left, right, windowSizeMs, graceMs },
  };
}
