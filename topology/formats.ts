/**
 * Checks of what goes to and through the Schema Registry and librdkafka:
 * topic formats (a registry format needs a schema that can be registered:
 * the JSON Schema for `json_sr`, an Avro schema derived from it or read from
 * `avro_schema:` for `avro`) and the names in the `kafka:` block.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../common/errors.js';
import type { EventSchemaSet } from '../schemas/event-schemas.js';
import { avroFromJsonSchema, avroRecordName, avroType } from '../serdes/avro-schema.js';
import { bundleEventSchema } from '../serdes/json-schema-bundle.js';
import { kafkaPropertyProblem } from '../transports/kafka/client-settings.js';
import type { Diagnostics } from './diagnostics.js';
import type { Draft, DraftTopic } from './draft.js';

export function checkFormats(draft: Draft, diags: Diagnostics, schemas: EventSchemaSet, baseDir: string): void {
  const tables = new Set([...draft.stores.values()].flatMap((s) => (s.from ? [s.from.value] : [])));
  for (const topic of draft.topics.values()) {
    const at = [...topic.path, 'format'];
    const label = `topic "${topic.id}"`;
    if (topic.avroSchema && topic.format !== 'avro') {
      diags.report('INVALID_FORMAT', topic.avroSchema.path, `${label}: avro_schema is only used with "format: avro" (the format is ${topic.format})`);
    }
    if (topic.format === 'json') continue;
    if (draft.deadLetterTopic?.value === topic.id) {
      diags.report(
        'INVALID_FORMAT',
        at,
        `${label} is the dead letter topic, which keeps the original bytes of failed records whatever their format: it must be "format: json"`,
      );
      continue;
    }
    if (tables.has(topic.id)) {
      diags.report(
        'INVALID_FORMAT',
        at,
        `${label} is read as a table (a store's "from:"), and tables are restored from the raw topic: only "format: json" is supported there`,
      );
      continue;
    }
    if (topic.format === 'json_sr' && !topic.schema) {
      diags.report('INVALID_FORMAT', at, `${label}: "format: json_sr" registers the topic's JSON Schema: add "schema: <event schema id>"`);
    } else if (topic.format === 'avro') {
      checkAvro(topic, diags, schemas, baseDir);
    }
  }
}

function checkAvro(topic: DraftTopic, diags: Diagnostics, schemas: EventSchemaSet, baseDir: string): void {
  const label = `topic "${topic.id}"`;
  if (topic.avroSchema) {
    const file = path.resolve(baseDir, topic.avroSchema.value);
    try {
      avroType(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      diags.report('INVALID_FORMAT', topic.avroSchema.path, `${label}: ${topic.avroSchema.value} is not a readable Avro schema: ${errorMessage(err)}`);
    }
    return;
  }
  if (!topic.schema) {
    diags.report(
      'INVALID_FORMAT',
      [...topic.path, 'format'],
      `${label}: "format: avro" needs a schema: "schema: <event schema id>" (the Avro schema is derived from it) or "avro_schema: <file>.avsc"`,
    );
    return;
  }
  if (schemas.check(topic.schema.value)) return; // reported where the schema is named
  try {
    avroType(avroFromJsonSchema(bundleEventSchema(schemas.dir, topic.schema.value), avroRecordName(topic.name, topic.schema.value)));
  } catch (err) {
    diags.report(
      'INVALID_FORMAT',
      topic.schema.path,
      `${label}: event schema "${topic.schema.value}" cannot be turned into an Avro schema: ${errorMessage(err)}`,
    );
  }
}

export function checkKafkaBlock(draft: Draft, diags: Diagnostics): void {
  for (const section of ['common', 'consumer', 'producer'] as const) {
    for (const name of Object.keys(draft.kafka?.[section] ?? {})) {
      const problem = kafkaPropertyProblem(name, section);
      if (problem) diags.report('INVALID_KAFKA_PROPERTY', ['kafka', section, name], `kafka.${section}: ${problem}`, { target: 'key' });
    }
  }
}
