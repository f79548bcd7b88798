/**
 * Avro schemas of topics that say `format: avro`: derived from the topic's
 * JSON Schema (the pipeline's one declaration of its events), or read from an
 * `.avsc` file the topic names (`avro_schema:`) when a hand-written one is
 * wanted (shared with Java producers, say).
 *
 * The mapping, chosen so that evolution works the way it does in JSON:
 *   object with properties  → record (named after its path); an optional property
 *                             → ["null", T] with default null, so adding one is BACKWARD compatible
 *   string (any format/enum) → string   (Avro enums cannot hold values such as "user.mood.created")
 *   integer → long, number → double, boolean → boolean, null → null
 *   array → array of its items; object with only additionalProperties → map
 *   [T, "null"] → ["null", T]
 *   anything else (no type, anyOf/oneOf, free-form objects) → string with logicalType "json":
 *                             the value's JSON text (other Avro readers see a string)
 * `if/then/allOf` refinements are not represented (they only narrow what the base allows).
 */
import avro from 'avsc';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { JsonSchemaNode } from './json-schema-bundle.js';

export type AvroSchema = string | Record<string, unknown> | AvroSchema[];

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const JSON_LOGICAL = { type: 'string', logicalType: 'json' } as const;

/** The `json` logical type: any JSON value, carried as its text. */
class JsonLogicalType extends avro.types.LogicalType {
  override _fromValue(value: unknown): unknown {
    return JSON.parse(value as string);
  }
  override _toValue(value: unknown): unknown {
    return JSON.stringify(value ?? null);
  }
  override _resolve(type: avro.Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'string', 'logical:json')) return (v) => (typeof v === 'string' ? JSON.parse(v) : v);
    return undefined;
  }
}

export function avroType(schema: AvroSchema): avro.Type {
  // A fresh options object each time: avsc keeps its registry of named types in it.
  const options = { logicalTypes: { json: JsonLogicalType }, omitRecordMethods: true };
  return avro.Type.forSchema(schema as avro.Schema, options as unknown as Partial<avro.ForSchemaOptions>);
}

/** The Avro record schema for a (bundled) JSON Schema. `name` is the record's full name. */
export function avroFromJsonSchema(schema: JsonSchemaNode, name: string): AvroSchema {
  const { namespace, simple } = splitName(name);
  const root = convert(schema, simple, [simple]);
  if (typeof root !== 'object' || Array.isArray(root) || root.type !== 'record') {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `${name}: only a JSON Schema of an object (with properties) can become an Avro record`);
  }
  return namespace ? { ...root, namespace } : root;
}

function convert(node: JsonSchemaNode, name: string, where: string[]): AvroSchema {
  const type = node.type;
  if (Array.isArray(type)) {
    const kinds = type.filter((t) => t !== 'null') as string[];
    const nullable = kinds.length < type.length;
    if (kinds.length !== 1) return JSON_LOGICAL;
    const inner = convert({ ...node, type: kinds[0] }, name, where);
    return nullable && inner !== JSON_LOGICAL ? ['null', inner] : inner;
  }
  if (node.anyOf || node.oneOf) return JSON_LOGICAL;
  if (type === undefined && Array.isArray(node.enum) && node.enum.every((v) => typeof v === 'string')) return 'string';
  if (type === undefined && typeof node.const === 'string') return 'string';
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
      return 'long';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const items = node.items;
      return {
        type: 'array',
        items: items && typeof items === 'object' && !Array.isArray(items) ? convert(items as JsonSchemaNode, `${name}Item`, [...where, '[]']) : JSON_LOGICAL,
      };
    }
    case 'object':
      return objectType(node, name, where);
    default:
      return JSON_LOGICAL;
  }
}

function objectType(node: JsonSchemaNode, name: string, where: string[]): AvroSchema {
  const props = node.properties as Record<string, JsonSchemaNode> | undefined;
  if (!props || Object.keys(props).length === 0) {
    const extra = node.additionalProperties;
    if (extra && typeof extra === 'object') return { type: 'map', values: convert(extra as JsonSchemaNode, `${name}Value`, [...where, '*']) };
    return JSON_LOGICAL;
  }
  const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
  const fields = Object.entries(props).map(([field, sub]) => {
    if (!AVRO_NAME.test(field)) {
      throw new AuraError(
        ErrorCodes.CONFIG_INVALID,
        `property "${[...where.slice(1), field].join('.')}" cannot be an Avro field name (letters, digits, _): name an .avsc file with avro_schema: instead`,
      );
    }
    const type = convert(sub ?? {}, `${name}_${field}`, [...where, field]);
    const doc = typeof sub?.description === 'string' ? { doc: sub.description } : {};
    if (required.has(field)) return { name: field, type, ...doc, ...defaultOf(sub, type) };
    if (type === JSON_LOGICAL) return { name: field, type, default: 'null', ...doc };
    const optional = Array.isArray(type) && type[0] === 'null' ? type : ['null', type];
    return { name: field, type: optional, default: null, ...doc };
  });
  return { type: 'record', name, fields };
}

/** A JSON Schema `default` that Avro can carry (a primitive of the field's type). */
function defaultOf(sub: JsonSchemaNode | undefined, type: AvroSchema): Record<string, unknown> {
  const value = sub?.default;
  if (value === undefined) return {};
  const ok =
    (type === 'string' && typeof value === 'string') ||
    ((type === 'long' || type === 'double') && typeof value === 'number') ||
    (type === 'boolean' && typeof value === 'boolean');
  return ok ? { default: value } : {};
}

function splitName(name: string): { namespace?: string; simple: string } {
  const clean = name.replace(/[^A-Za-z0-9_.]/g, '_').replace(/^([0-9])/, '_$1');
  const dot = clean.lastIndexOf('.');
  return dot < 0 ? { simple: clean } : { namespace: clean.slice(0, dot), simple: clean.slice(dot + 1) };
}

/** Record name for a topic's schema: `aura360.user.events` → namespace `aura360.user`, name `events`... made readable. */
export function avroRecordName(topicName: string, schemaId?: string): string {
  const simple = (schemaId ?? topicName.split('.').pop() ?? 'Value')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  const ns = topicName
    .split('.')
    .slice(0, -1)
    .join('.')
    .replace(/[^A-Za-z0-9_.]/g, '_');
  return ns ? `${ns}.${simple || 'Value'}` : simple || 'Value';
}

/**
 * Drops the nulls that stand for absent optional properties (fields whose default is null), so a
 * value read back equals the JSON value that was written.
 */
export function pruneAbsent(type: avro.Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const t = type as avro.Type & { typeName: string };
  if (t.typeName === 'record' || t.typeName === 'error') {
    const rec = type as avro.types.RecordType;
    const out: Record<string, unknown> = {};
    for (const field of rec.fields) {
      const v = (value as Record<string, unknown>)[field.name];
      // An optional property is a field whose default is null: null read back means it was absent.
      if (v === null && field.defaultValue() === null) continue;
      out[field.name] = pruneAbsent(field.type, v);
    }
    return out;
  }
  if (t.typeName === 'array') return (value as unknown[]).map((v) => pruneAbsent((type as avro.types.ArrayType).itemsType, v));
  if (t.typeName === 'map')
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, pruneAbsent((type as avro.types.MapType).valuesType, v)]));
  if (t.typeName === 'union:unwrapped') {
    const branch = (type as avro.types.UnwrappedUnionType).types.find((b) => b.typeName !== 'null' && b.isValid(value));
    return branch ? pruneAbsent(branch, value) : value;
  }
  return value;
}
