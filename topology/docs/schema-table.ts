/**
 * Markdown tables of the fields of a JSON Schema object, for the generated
 * docs: one row per field (nested objects flattened as `window.size`), with
 * its type in words, whether it is required, its default and description.
 */

import { DURATION_COMMENT, FIELD_PATH_PATTERN, ID_PATTERN } from '../../schemas/fragments.js';
import type { JsonSchema } from '../dsl-schema.js';
import { NODE_REF_PATTERN, TOPIC_NAME_PATTERN } from '../dsl-schema.js';

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  defaultValue?: unknown;
  description: string;
}

const PATTERN_NAMES: Record<string, string> = {
  [ID_PATTERN]: 'id',
  [NODE_REF_PATTERN]: 'reference',
  [TOPIC_NAME_PATTERN]: 'topic name',
  [FIELD_PATH_PATTERN]: 'field path',
};

/** The fields of `schema` (an object schema); with `nested`, fields of nested objects flattened under their parent (`window.size`, `aggregations.<name>.op`). */
export function fieldRows(schema: JsonSchema, options: { nested?: boolean; prefix?: string } = {}): FieldRow[] {
  const { nested = true, prefix = '' } = options;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema | boolean>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows: FieldRow[] = [];
  for (const [name, field] of Object.entries(properties)) {
    if (typeof field !== 'object') continue;
    rows.push({
      name: `${prefix}${name}`,
      type: typeOf(field),
      required: required.has(name),
      defaultValue: field.default,
      description: String(field.description ?? ''),
    });
    if (!nested) continue;
    if (field.type === 'object' && field.properties) rows.push(...fieldRows(field, { prefix: `${prefix}${name}.` }));
    const entry = field.additionalProperties;
    if (field.type === 'object' && typeof entry === 'object' && (entry as JsonSchema).properties)
      rows.push(...fieldRows(entry as JsonSchema, { prefix: `${prefix}${name}.<name>.` }));
  }
  return rows;
}

/** The type of a field in words: `integer`, `duration`, `` `a` \| `b` ``, `list of reference`, ... */
export function typeOf(schema: JsonSchema): string {
  if (schema.$comment === DURATION_COMMENT) return 'duration';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (typeof schema.pattern === 'string' && PATTERN_NAMES[schema.pattern]) return PATTERN_NAMES[schema.pattern];
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `list of ${typeOf((schema.items ?? {}) as JsonSchema)}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return `map of ${typeOf(schema.additionalProperties as JsonSchema)}`;
  if (schema.type === 'object') return 'object';
  return typeof schema.type === 'string' ? schema.type : 'any';
}

export function markdownTable(rows: FieldRow[]): string {
  if (rows.length === 0) return '_No fields._\n';
  const lines = ['| field | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const defaultValue = row.defaultValue === undefined ? '' : `\`${JSON.stringify(row.defaultValue)}\``;
    lines.push(`| \`${row.name}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${defaultValue} | ${cell(row.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Table cells are one line and must not contain an unescaped pipe. */
export function cell(text: string): string {
  return text.replace(/\n+/g, ' ').replace(/\|/g, '\\|');
}
