/**
 * `schemas/pipeline.schema.json`, the schema editors use (yaml-language-server):
 * the DSL schema plus, per processor type and resource type, `if type = X then
 * <X's fields>` blocks — all generated from the TypeScript sources by
 * `aura schema`. Scalars also accept `${VAR}` references, which the compiler
 * replaces before validating.
 */

import { builtinProcessors } from '../processors/registry.js';
import { builtinResources } from '../providers/registry.js';
import { DURATION_COMMENT } from '../schemas/fragments.js';
import { defaultsSchema, dslSchema, type JsonSchema, sectionEntrySchemas } from './dsl-schema.js';

const ENV_REFERENCE = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  description: 'An environment variable reference (`${VAR}` or `${VAR:-default}`), replaced before validation.',
};

export function buildEditorSchema(): JsonSchema {
  const processor = structuredClone(sectionEntrySchemas.processors) as JsonSchema & { properties: JsonSchema };
  const processorTypes = builtinProcessors.all();
  processor.properties.type = { enum: processorTypes.map((s) => s.type), description: (processor.properties.type as JsonSchema).description };
  processor.allOf = processorTypes.map((spec) => ({
    if: { properties: { type: { const: spec.type } }, required: ['type'] },
    then: { properties: { config: { ...structuredClone(spec.configSchema), description: spec.summary } } },
  }));

  const resource = structuredClone(sectionEntrySchemas.resources) as JsonSchema & { properties: JsonSchema };
  const resourceTypes = builtinResources.all();
  resource.properties.type = { enum: resourceTypes.map((s) => s.type), description: (resource.properties.type as JsonSchema).description };
  resource.allOf = resourceTypes.map((spec) => {
    const fields = spec.configSchema as { properties?: JsonSchema; required?: string[] };
    return {
      if: { properties: { type: { const: spec.type } }, required: ['type'] },
      then: { properties: { type: {}, ...structuredClone(fields.properties ?? {}) }, required: fields.required ?? [], additionalProperties: false },
    };
  });

  const join = structuredClone(sectionEntrySchemas.joins) as JsonSchema;
  join.allOf = [{ if: { properties: { type: { const: 'stream_stream' } }, required: ['type'] }, then: { required: ['window'] } }];

  const definitions: Record<string, JsonSchema> = {
    defaults: structuredClone(defaultsSchema),
    topic: structuredClone(sectionEntrySchemas.topics),
    store: structuredClone(sectionEntrySchemas.stores),
    resource,
    processor,
    join,
  };
  const schema = structuredClone(dslSchema) as JsonSchema & { properties: Record<string, JsonSchema> };
  schema.properties.defaults = { $ref: '#/definitions/defaults' };
  const refs: Record<string, string> = { topics: 'topic', stores: 'store', resources: 'resource', processors: 'processor', joins: 'join' };
  for (const [section, definition] of Object.entries(refs)) schema.properties[section].additionalProperties = { $ref: `#/definitions/${definition}` };
  schema.definitions = Object.fromEntries(Object.entries(definitions).map(([k, v]) => [k, allowEnv(v)]));
  schema.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, allowEnv(v) as JsonSchema]));
  return schema;
}

/** The committed file's exact text. */
export function editorSchemaText(): string {
  return `${JSON.stringify(buildEditorSchema(), null, 2)}\n`;
}

const SUBSCHEMA_MAPS = ['properties', 'definitions'] as const;
const SUBSCHEMAS = ['additionalProperties', 'items', 'then', 'else'] as const;

/** Lets every constrained scalar also be a `${VAR}` reference (conditions under `if` are left alone). */
function allowEnv(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const schema = { ...(node as JsonSchema) };
  if (isConstrainedScalar(schema)) {
    const { description, default: defaultValue, ...rest } = schema;
    return {
      ...(description !== undefined ? { description } : {}),
      ...(defaultValue !== undefined ? { default: defaultValue } : {}),
      anyOf: [rest, ENV_REFERENCE],
    };
  }
  for (const key of SUBSCHEMA_MAPS) {
    if (schema[key]) schema[key] = Object.fromEntries(Object.entries(schema[key] as JsonSchema).map(([k, v]) => [k, allowEnv(v)]));
  }
  for (const key of SUBSCHEMAS) if (schema[key] !== undefined) schema[key] = allowEnv(schema[key]);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as unknown[]).map(allowEnv);
  }
  return schema;
}

function isConstrainedScalar(schema: JsonSchema): boolean {
  if (schema.$comment === DURATION_COMMENT) return true;
  if (Array.isArray(schema.enum)) return true;
  if (typeof schema.pattern === 'string') return true;
  return schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean';
}
