/**
 * `aura describe --format asyncapi`: an AsyncAPI 3.0 document of the
 * pipeline's event API. Channels are the topics (address = physical name) with
 * their Kafka bindings (partitions, replicas, cleanup.policy, retention.ms),
 * messages are the topics' event schemas (inlined as components, so the file
 * stands alone), operations say which processor or the gateway sends or
 * receives what (asyncapi-operations.ts). Store changelogs and the gateway's
 * instance registry are internal and left out. The gateway's WebSocket
 * channels (`/ws`, `/topology/live`) are in the same document, on the gateway
 * server (asyncapi-ws.ts). docs/asyncapi.yaml is this output for
 * pipeline.yaml, checked by ops/generated.test.ts.
 */
import path from 'node:path';
import { Document } from 'yaml';
import type { Pipeline, TopicSpec } from '../model.js';
import { gatewayActor, KAFKA_BINDING_VERSION, operations } from './asyncapi-operations.js';
import { schemaComponents, schemaPointer, schemasDirFor } from './asyncapi-schemas.js';
import { GATEWAY_SERVER, WS_SECURITY_SCHEMES, WS_SERVER, wsParts } from './asyncapi-ws.js';
import { DEAD_LETTER_HEADERS, gatewayRegistryTopic, RECORD_HEADERS } from './topic-usage.js';

export interface AsyncApiOptions {
  /** Directory of the event schemas (default: `schemas/events` beside the pipeline file, else the shipped ones). */
  schemasDir?: string;
}

type Obj = Record<string, unknown>;

const DEAD_LETTER_MESSAGE = 'dead-letter';
/** The servers Kafka channels are on (the gateway's WebSocket channels are on `gateway`). */
const KAFKA_SERVERS = ['local', 'confluent-cloud'];
const HEADERS_SCHEMA = 'record-headers';
const DLQ_HEADERS_SCHEMA = 'dead-letter-headers';

function messageIdOf(pipeline: Pipeline, topic: TopicSpec): string {
  if (topic.schema) return topic.schema;
  return topic.id === pipeline.defaults.deadLetterTopic ? DEAD_LETTER_MESSAGE : `${topic.id}-record`;
}

function kafkaChannelBinding(topic: TopicSpec): Obj {
  const topicConfiguration: Obj = { 'cleanup.policy': topic.cleanup.split(',') };
  // Compacted topics keep the latest record per key for ever: no time-based retention (as `aura topics apply` creates them).
  if (topic.cleanup !== 'compact') topicConfiguration['retention.ms'] = topic.retentionMs;
  return { topic: topic.name, partitions: topic.partitions, replicas: topic.replication, topicConfiguration, bindingVersion: KAFKA_BINDING_VERSION };
}

function channelDescription(pipeline: Pipeline, topic: TopicSpec): string {
  const parts = [`Keyed by \`${topic.key}\`, ${topic.partitions} partitions.`];
  if (topic.cleanup.includes('compact')) parts.push('Compacted: the latest record per key is kept, so the topic is also a table.');
  if (topic.delivery === 'immediate')
    parts.push('Records are sent as they are produced, outside the exactly-once transaction (at-least-once): after a failure a consumer may see one twice.');
  if (topic.id === pipeline.defaults.deadLetterTopic)
    parts.push('The dead-letter topic: `aura dlq replay` re-publishes its records to where they came from (docs/runbooks.md).');
  return parts.join(' ');
}

function headerSchemas(): Obj {
  const strings = (entries: Record<string, string>) =>
    Object.fromEntries(Object.entries(entries).map(([name, description]) => [name, { type: 'string', description }]));
  return {
    [HEADERS_SCHEMA]: {
      type: 'object',
      description: 'Kafka record headers (UTF-8 strings). The gateway sets them on what it publishes; every processor copies them to the records it derives.',
      properties: strings(RECORD_HEADERS),
      additionalProperties: { type: 'string' },
    },
    [DLQ_HEADERS_SCHEMA]: {
      type: 'object',
      description: "The original record's headers plus where it came from and why it failed.",
      required: ['aura.dlq.app', 'aura.dlq.topic', 'aura.dlq.partition', 'aura.dlq.offset', 'aura.dlq.node', 'aura.dlq.error.code'],
      properties: { ...strings(DEAD_LETTER_HEADERS), ...strings(RECORD_HEADERS) },
      additionalProperties: { type: 'string' },
    },
  };
}

function message(pipeline: Pipeline, topic: TopicSpec, schemas: Record<string, unknown>): Obj {
  const id = messageIdOf(pipeline, topic);
  const key = { kafka: { key: { type: 'string', description: `The record key: the event's \`${topic.key}\`.` }, bindingVersion: KAFKA_BINDING_VERSION } };
  if (!topic.schema) {
    const dead = id === DEAD_LETTER_MESSAGE;
    return {
      name: id,
      title: dead ? 'Dead letter' : `Record of ${topic.name}`,
      summary: dead ? 'A record a processor could not handle, byte for byte as it was read.' : 'No event schema is declared for this topic in the pipeline.',
      contentType: dead ? 'application/octet-stream' : 'application/json',
      payload: dead
        ? { description: "The original record's value, unchanged (not necessarily JSON: that may be why it failed)." }
        : { description: 'Any JSON value.' },
      headers: { $ref: schemaPointer(dead ? DLQ_HEADERS_SCHEMA : HEADERS_SCHEMA) },
      bindings: dead ? { kafka: { key: { type: 'string', description: "The original record's key." }, bindingVersion: KAFKA_BINDING_VERSION } } : key,
    };
  }
  const schema = (schemas[topic.schema] ?? {}) as { title?: string; description?: string; properties?: Obj };
  const out: Obj = { name: id, title: schema.title ?? id, contentType: 'application/json' };
  if (schema.description) out.summary = schema.description;
  out.payload = { $ref: schemaPointer(topic.schema) };
  out.headers = { $ref: schemaPointer(HEADERS_SCHEMA) };
  if (schema.properties?.correlation_id) {
    out.correlationId = { description: 'Pairs a Guardian request with its chunks and final response.', location: '$message.payload#/correlation_id' };
  }
  out.bindings = key;
  return out;
}

export function asyncApiDocument(pipeline: Pipeline, options: AsyncApiOptions = {}): Obj {
  const topics = Object.values(pipeline.topics).filter((t) => !t.internal);
  const internal = Object.values(pipeline.topics)
    .filter((t) => t.internal)
    .map((t) => t.name);
  const eventSchemas = schemaComponents(
    topics.flatMap((t) => (t.schema ? [t.schema] : [])),
    options.schemasDir ?? schemasDirFor(pipeline.file),
  );
  const messageId = (topicId: string) => messageIdOf(pipeline, pipeline.topics[topicId]!);
  const channels: Obj = {};
  const messages: Obj = {};
  for (const topic of topics) {
    const id = messageId(topic.id);
    messages[id] ??= message(pipeline, topic, eventSchemas);
    channels[topic.id] = {
      address: topic.name,
      title: topic.id,
      description: channelDescription(pipeline, topic),
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
      servers: KAFKA_SERVERS.map((s) => ({ $ref: `#/servers/${s}` })),
      bindings: { kafka: kafkaChannelBinding(topic) },
    };
  }
  const ws = wsParts(gatewayActor(pipeline));
  const hidden = [...internal, gatewayRegistryTopic(pipeline)];
  return {
    asyncapi: '3.0.0',
    info: {
      title: `${pipeline.app} event streams`,
      version: '1.0.0',
      description:
        `The topics of the \`${pipeline.app}\` pipeline (${path.basename(pipeline.file)}): who produces and who consumes each, and the JSON Schema of its records. ` +
        `Generated by \`aura describe --format asyncapi\`; edit the pipeline and the schemas, not this file.\n\n` +
        `Internal topics are not part of this API: ${hidden.join(', ')}.\n\n` +
        "The gateway's WebSocket channels (`user-stream` on `/ws`, `topology-live` on `/topology/live`) are here too, on the `gateway` server: every message is a JSON text frame whose schema is below; the close codes are in each channel's `x-close-codes`. The gateway's HTTP API is docs/openapi.json.",
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: 'The broker of docker-compose.dev.yml (`npm run kafka:start` runs one on 127.0.0.1:19092 without Docker).',
      },
      'confluent-cloud': {
        host: '{bootstrap}',
        protocol: 'kafka-secure',
        description: 'Confluent Cloud (docs/deployment.md): SASL_SSL, the API key and secret are the SASL PLAIN user name and password.',
        variables: { bootstrap: { description: 'Bootstrap server of the cluster, e.g. pkc-xxxxx.us-east-1.aws.confluent.cloud:9092 (KAFKA_BROKERS).' } },
        security: [{ $ref: '#/components/securitySchemes/confluent-api-key' }],
      },
      [GATEWAY_SERVER]: WS_SERVER,
    },
    channels: { ...channels, ...ws.channels },
    operations: { ...operations(pipeline, messageId), ...ws.operations },
    components: {
      messages: { ...messages, ...ws.messages },
      schemas: { ...eventSchemas, ...headerSchemas(), ...ws.schemas },
      securitySchemes: {
        'confluent-api-key': { type: 'plain', description: 'SASL PLAIN: KAFKA_SASL_USERNAME = API key, KAFKA_SASL_PASSWORD = API secret.' },
        ...WS_SECURITY_SCHEMES,
      },
    },
  };
}

export function describeAsyncApi(pipeline: Pipeline, options: AsyncApiOptions = {}): string {
  const doc = new Document(asyncApiDocument(pipeline, options), { aliasDuplicateObjects: false });
  doc.commentBefore = ` Generated by \`aura describe --format asyncapi ${path.basename(pipeline.file)}\`: do not edit by hand.`;
  return doc.toString({ lineWidth: 0 });
}
