/**
 * The pipeline DSL as a JSON Schema (draft-07): the source of truth for
 * validation, for the generated reference docs and (extended with the
 * processor and resource types by editor-schema.ts) for the schema editors use.
 * Processor `type`/`config` and resource fields are only shaped here; their
 * per-type validation gives more precise messages (INVALID_CONFIG).
 */
import { durationSchema, ID_PATTERN, idSchema } from '../schemas/fragments.js';
import { DEFAULT_RECORD_CACHE_BYTES } from '../state/record-cache.js';
import { DEFAULT_STATE_FLUSH_INTERVAL_MS } from '../state/types.js';

export type JsonSchema = Record<string, unknown>;

export const NODE_REF_PATTERN = '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)?$';
export const TOPIC_NAME_PATTERN = '^[A-Za-z0-9._-]{1,249}$';

const nodeRef = {
  type: 'string',
  pattern: NODE_REF_PATTERN,
  description: 'A topic id, a processor or join id, or `node.port`.',
};

const onErrorSchema = (what: string) => ({
  enum: ['fail', 'skip', 'dead_letter'],
  description: `What happens when ${what} fails on a record: \`fail\` stops the task (the record is retried after restart), \`skip\` logs and counts it, \`dead_letter\` also writes it to the dead letter topic with the error in its headers.`,
});

const defaultsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Settings that apply to every topic and processor unless they set their own.',
  properties: {
    partitions: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 1,
      description: 'Partition count of topics that do not set one. Sets the parallelism: one task per partition of each sub-topology.',
    },
    replication: { type: 'integer', minimum: 1, maximum: 32, default: 1, description: 'Replication factor of topics (including changelogs).' },
    retention: durationSchema('How long records are kept in topics that do not set a retention.', '7d'),
    processing: {
      enum: ['exactly_once', 'at_least_once'],
      default: 'at_least_once',
      description:
        '`exactly_once` commits outputs, store changelogs and input offsets in one Kafka transaction; `at_least_once` may repeat records after a crash.',
    },
    commit_interval: durationSchema('How often offsets (and transactions) are committed. Default: `100ms` with exactly_once, `30s` with at_least_once.'),
    task_timeout: durationSchema(
      "How long a broker operation the pipeline needs (poll, commit, restore, producer start) may keep failing with retriable errors before the instance gives up and stops (Kafka Streams' `task.timeout.ms`). Meanwhile it retries with backoff and `/readyz` answers 503. `0` gives up at the first failure.",
      '5m',
    ),
    on_error: { ...onErrorSchema('a processor'), default: 'fail' },
    dead_letter_topic: idSchema('Topic id (under `topics:`) that receives failed records when `on_error` is `dead_letter`.'),
    state_dir: { type: 'string', minLength: 1, default: '.aura/state', description: 'Directory of the SQLite state stores.' },
    cache_max_bytes: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_RECORD_CACHE_BYTES,
      description:
        "Size (estimated bytes) of each task's record cache, shared by the task's processors that emit through it (`aggregate` with `emit: on_commit`): updates of a key are merged there and forwarded once per commit, or earlier when the cache is full. `0` forwards every update at once. See docs/record-cache.md.",
    },
    state_flush_interval: durationSchema(
      'How often a task writes its committed state to SQLite (write-behind). Between writes the committed values stay in memory (readers of the SQLite file see them within about one interval, also when input has stopped); a crash replays them from the changelogs at restart. Tasks with a store that has no changelog write at every commit. `0` writes at every commit. See docs/architecture.md (commit protocol).',
      `${DEFAULT_STATE_FLUSH_INTERVAL_MS}ms`,
    ),
    stream_threads: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 1,
      description:
        "Kafka only: stream threads of each `aura run` process (Kafka Streams' `num.stream.threads`). Each thread is a member of the consumer group with its own consumer, transactional producer and tasks; `aura run --threads N` overrides it. The embedded log and `aura serve` run one. See docs/operations.md (stream threads).",
    },
    key: {
      type: 'string',
      minLength: 1,
      default: 'user_id',
      description: 'The value field records are keyed by, unless a topic says otherwise (used in co-partitioning checks).',
    },
  },
};

const topicSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: TOPIC_NAME_PATTERN, description: 'Physical Kafka topic name.' },
    partitions: { type: 'integer', minimum: 1, maximum: 10000, description: 'Partition count. Default: `defaults.partitions`.' },
    replication: { type: 'integer', minimum: 1, maximum: 32, description: 'Replication factor. Default: `defaults.replication`.' },
    retention: durationSchema('How long records are kept. Default: `defaults.retention`.'),
    cleanup: {
      enum: ['delete', 'compact', 'compact,delete'],
      default: 'delete',
      description: '`compact` keeps the latest record per key (a table); `delete` drops records past retention.',
    },
    schema: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'Event schema id: the file `schemas/events/<id>.schema.json` that record values follow.',
    },
    key: { type: 'string', minLength: 1, description: 'The value field records are keyed by. Default: `defaults.key`.' },
    format: {
      enum: ['json', 'json_sr', 'avro'],
      default: 'json',
      description:
        'How record values are written: `json` (plain JSON text), `json_sr` (JSON with its `schema:` registered in the Schema Registry, Confluent wire format) or `avro` (Avro binary through the Schema Registry, Confluent wire format; the Avro schema is derived from `schema:` unless `avro_schema:` names an .avsc file). Subjects are `<name>-value`. See docs/schema-registry.md.',
    },
    avro_schema: {
      type: 'string',
      pattern: '\\.avsc$',
      description: '`format: avro`: an Avro schema file (relative to the pipeline file) used instead of the one derived from `schema:`.',
    },
    delivery: {
      enum: ['transactional', 'immediate'],
      default: 'transactional',
      description:
        '`transactional`: records become visible with the commit that carries them (exactly-once). `immediate`: sent as soon as they are produced, outside the transaction (at-least-once; after a failure they may be sent again, so consumers dedupe) — for progress records such as streamed Guardian chunks.',
    },
    fuse: {
      type: 'boolean',
      default: true,
      description:
        'Whether the processor that reads this topic may run in the tasks of the processor that writes it (fused: records pass in memory, in the same transaction, and the topic still receives every record). The compiler fuses only what it can prove safe and says why for each topic (`aura describe`); `false` keeps the topic a hop between tasks — for a topic that other producers also write. See docs/architecture.md, "Fused sub-topologies".',
    },
    description: { type: 'string', description: 'Free text, shown by `aura describe`.' },
  },
};

const storeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: {
      enum: ['key_value', 'window', 'session'],
      description: '`key_value` (one value per key), `window` (per key and window start), `session` (per key and session).',
    },
    from: idSchema(
      'Topic id: makes the store a table materialised from that topic (the topic is its changelog; use a compacted topic). Tables are read by `stream_table` joins.',
    ),
    ttl: durationSchema('Entries not updated for this long are deleted (and tombstoned in the changelog).'),
    retention: durationSchema('Window and session stores: how long windows are kept. Default: window size + grace. Must be at least size + grace.'),
    logging: {
      type: 'boolean',
      default: true,
      description:
        'Whether the store is backed by a changelog topic `<app>-<store>-changelog` (compacted), so it can be restored on another instance. Turn off only for state that can be rebuilt.',
    },
    description: { type: 'string', description: 'Free text, shown by `aura describe`.' },
  },
};

const kafkaSettingsSchema = (who: string) => ({
  type: 'object',
  description: `librdkafka properties for ${who}, by their librdkafka name (checked against the client's list). KAFKA_CONFIG_* variables override them.`,
  additionalProperties: { type: ['string', 'number', 'boolean'] },
});

const kafkaSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Kafka client settings passed to librdkafka as they are (only used on Kafka, i.e. with KAFKA_BROKERS set). See docs/deployment.md.',
  properties: {
    common: kafkaSettingsSchema('every client (consumers, producers, admin)'),
    consumer: kafkaSettingsSchema('consumers only'),
    producer: kafkaSettingsSchema('producers only'),
  },
};

const resourceSchema = {
  type: 'object',
  required: ['type'],
  description: 'A resource: `type` plus the fields of that type (see Resource types).',
  properties: {
    type: {
      type: 'string',
      description: 'Resource type: `minilm`, `openai` (embedders), `embedded`, `qdrant` (vector sinks), `rules`, `openai_chat` (advisors).',
    },
  },
};

const processorSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'from'],
  properties: {
    type: { type: 'string', description: 'Processor type (see Processor types).' },
    from: {
      description: 'What it reads: a topic id, a processor or join id, or `node.port` — or a list of them (merged).',
      anyOf: [nodeRef, { type: 'array', minItems: 1, items: nodeRef }],
    },
    to: {
      description:
        'Topic(s) it writes: a topic id, a list of topic ids, or for nodes with named ports a map port → topic id. Other nodes can also read it directly by id.',
      anyOf: [
        idSchema('Topic id.'),
        { type: 'array', minItems: 1, items: idSchema('Topic id.') },
        { type: 'object', minProperties: 1, propertyNames: { pattern: ID_PATTERN }, additionalProperties: idSchema('Topic id.') },
      ],
    },
    store: idSchema('Id of the store it uses (under `stores:`).'),
    stores: { type: 'array', minItems: 1, items: idSchema('Store id.'), description: 'Ids of the stores it uses, when more than one.' },
    config: { type: 'object', default: {}, description: "The type's settings (see the processor type's page)." },
    on_error: { ...onErrorSchema('this processor'), description: `${onErrorSchema('this processor').description} Default: \`defaults.on_error\`.` },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 1024,
      description: "Asynchronous types: records in flight per task (order per key is kept). Default: the type's (see its page).",
    },
    description: { type: 'string', description: 'Free text, shown by `aura describe`.' },
  },
};

const joinSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'left', 'right'],
  properties: {
    type: {
      enum: ['stream_table', 'stream_stream'],
      description:
        "`stream_table`: each left record is enriched with the right table's current value for its key. `stream_stream`: records of both sides with the same key within `window.size` of each other are paired.",
    },
    left: { ...nodeRef, description: 'The stream side: a topic id, a node id or `node.port`.' },
    right: { ...nodeRef, description: '`stream_table`: a store id declared with `from:` (the table). `stream_stream`: a topic id, node id or `node.port`.' },
    kind: {
      enum: ['inner', 'left'],
      default: 'inner',
      description: '`inner` emits only matches; `left` also emits left records without a match (with `null` on the right).',
    },
    window: {
      type: 'object',
      additionalProperties: false,
      required: ['size'],
      description: '`stream_stream` only (required there): how far apart in time the two records may be.',
      properties: {
        size: durationSchema('Maximum time difference between the joined records.'),
        grace: durationSchema('How long late records are still joined.', 0),
      },
    },
    to: idSchema('Topic id the joined records are written to. Other nodes can also read the join by id.'),
    on_error: { ...onErrorSchema('this join'), description: `${onErrorSchema('this join').description} Default: \`defaults.on_error\`.` },
    description: { type: 'string', description: 'Free text, shown by `aura describe`.' },
  },
};

/** A map of id → entry, ids checked with a readable message. */
function section(description: string, entry: JsonSchema): JsonSchema {
  return { type: 'object', description, propertyNames: { pattern: ID_PATTERN }, additionalProperties: entry };
}

export const dslSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://aura360.dev/schemas/pipeline.schema.json',
  title: 'aura-streams pipeline',
  description: 'A stream-processing topology: topics, stores, resources, processors and joins.',
  type: 'object',
  additionalProperties: false,
  required: ['app', 'topics'],
  properties: {
    app: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'Application id: the Kafka consumer group and transactional id prefix, and the prefix of internal topics (`<app>-<store>-changelog`).',
    },
    defaults: defaultsSchema,
    kafka: kafkaSchema,
    topics: section('Topics, by id. Processors and joins refer to topics by id; `name` is the physical Kafka name.', topicSchema),
    stores: section('State stores, by id: local SQLite, backed by a compacted changelog topic.', storeSchema),
    resources: section('Shared resources (embedders, vector sinks, advisors), by id, used by processors through their config.', resourceSchema),
    processors: section('Processors, by id (ids shared with joins).', processorSchema),
    joins: section('Joins, by id (ids shared with processors).', joinSchema),
  },
};

/** The entry schema of each id-keyed section, for the docs and the editor schema. */
export const sectionEntrySchemas = {
  topics: topicSchema,
  stores: storeSchema,
  resources: resourceSchema,
  processors: processorSchema,
  joins: joinSchema,
} as const;

export { defaultsSchema, kafkaSchema };
