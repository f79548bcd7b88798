/**
 * The schema each registry-format topic of a pipeline registers, under its
 * subject `<topic name>-value`: the bundled JSON Schema for `json_sr`; for
 * `avro` the Avro schema derived from the JSON Schema, or the `.avsc` file the
 * topic names. The text is deterministic, so the same pipeline always looks up
 * the same registered version.
 */
import fs from 'node:fs';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { defaultSchemasDir } from '../topology/compile.js';
import type { Pipeline, TopicSpec } from '../topology/model.js';
import { avroFromJsonSchema, avroRecordName, avroType } from './avro-schema.js';
import { bundleEventSchema } from './json-schema-bundle.js';
import { type SchemaType, valueSubject } from './registry-client.js';

export interface TopicSchema {
  topic: TopicSpec;
  format: 'json_sr' | 'avro';
  subject: string;
  schemaType: Extract<SchemaType, 'JSON' | 'AVRO'>;
  /** The schema text that is registered. */
  schema: string;
  /** Where it comes from, for messages: the event schema id or the .avsc file. */
  source: string;
}

/** The topics of `pipeline` that go through the registry, with their schemas. */
export function topicSchemas(pipeline: Pipeline, schemasDir = defaultSchemasDir(pipeline.file)): TopicSchema[] {
  return Object.values(pipeline.topics)
    .filter((t): t is TopicSpec & { format: 'json_sr' | 'avro' } => t.format === 'json_sr' || t.format === 'avro')
    .map((topic) => {
      try {
        return schemaOf(topic, schemasDir);
      } catch (err) {
        throw new AuraError(ErrorCodes.CONFIG_INVALID, `topic "${topic.id}" (${topic.name}): ${errorMessage(err)}`, { cause: err });
      }
    });
}

function schemaOf(topic: TopicSpec & { format: 'json_sr' | 'avro' }, schemasDir: string): TopicSchema {
  const subject = valueSubject(topic.name);
  if (topic.format === 'json_sr') {
    if (!topic.schema) throw new Error('format json_sr needs schema:');
    return { topic, format: 'json_sr', subject, schemaType: 'JSON', schema: JSON.stringify(bundleEventSchema(schemasDir, topic.schema)), source: topic.schema };
  }
  if (topic.avroSchema) {
    const parsed = JSON.parse(fs.readFileSync(topic.avroSchema, 'utf8')) as unknown;
    avroType(parsed as never); // fails here, not at the first record
    return { topic, format: 'avro', subject, schemaType: 'AVRO', schema: JSON.stringify(parsed), source: topic.avroSchema };
  }
  if (!topic.schema) throw new Error('format avro needs schema: or avro_schema:');
  const derived = avroFromJsonSchema(bundleEventSchema(schemasDir, topic.schema), avroRecordName(topic.name, topic.schema));
  return { topic, format: 'avro', subject, schemaType: 'AVRO', schema: JSON.stringify(derived), source: topic.schema };
}
