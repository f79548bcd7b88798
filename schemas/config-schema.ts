/**
 * The vocabulary processors and resources declare their config with
 * (processors/define.ts, providers/resource.ts). Each field is declared once:
 * a TypeBox type whose JSON is the JSON Schema the compiler validates, the
 * generated docs describe and editors complete with (the fragments of
 * ./fragments.ts), and whose static type, `Config<typeof schema>`, is the
 * config as a constructor receives it:
 *
 * - a field is required unless it has a default or is wrapped in `optional()`,
 *   as in Redpanda Connect's config specs;
 * - a field with a default is always there (the compiler's ajv fills defaults,
 *   topology/ajv.ts), so `batch_size: integer({ default: 32, … })` is a
 *   `number`, never `undefined`;
 * - durations are milliseconds: `"7d"` in pipeline.yaml arrives as 604800000
 *   (`parseConfig` converts every duration, for every component).
 *
 * The builders write their keys in the order the committed JSON Schema has
 * them, so the generated files stay stable.
 */
import { Kind, OptionalKind, type Static, type TObject, type TProperties, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import { toMillis } from './duration.js';
import { DURATION_COMMENT, durationSchema, expressionSchema, fieldPathSchema, resourceRefSchema, signedDurationSchema } from './fragments.js';

/** The config a constructor receives (see above): validated, defaults filled, durations in milliseconds. */
export type Config<S extends TSchema> = Static<S>;

/** JSON Schema keywords an object may carry besides its fields (alternatives, conditions). */
export interface ObjectOptions {
  description?: string;
  /** E.g. "one of these fields is required": `[{ required: ['a'] }, { required: ['b'] }]`. */
  anyOf?: object[];
  /** E.g. `if`/`then` blocks that allow fields by the value of another. */
  allOf?: object[];
}

/** An object with exactly these fields (`additionalProperties: false`). */
export function object<P extends TProperties>(properties: P, options: ObjectOptions = {}): TObject<P> {
  const required = Object.keys(properties).filter((name) => !isOptional(properties[name]!) && !('default' in properties[name]!));
  const schema = {
    [Kind]: 'Object',
    type: 'object',
    ...(options.description !== undefined ? { description: options.description } : {}),
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    ...(options.anyOf ? { anyOf: options.anyOf } : {}),
    properties,
    ...(options.allOf ? { allOf: options.allOf } : {}),
  };
  return schema as unknown as TObject<P>;
}

/** A field that may be left out (and then is `undefined`). A field with a default needs no `optional()`. */
export function optional<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

interface Documented<T> {
  description: string;
  default?: T;
}

export function integer(options: Documented<number> & { minimum?: number; maximum?: number }): TUnsafe<number> {
  return Type.Unsafe<number>(typeFirst('integer', options));
}

export function number(options: Documented<number> & { minimum?: number; maximum?: number }): TUnsafe<number> {
  return Type.Unsafe<number>(typeFirst('number', options));
}

export function string(options: Documented<string> & { minLength?: number; pattern?: string }): TUnsafe<string> {
  return Type.Unsafe<string>(typeFirst('string', options));
}

/** One of these values (a JSON Schema `enum`, which editors offer as completions). */
export function enumOf<const V extends readonly (string | number)[]>(values: V, options: Documented<V[number]>): TUnsafe<V[number]> {
  const { description, ...rest } = options;
  return Type.Unsafe<V[number]>({ enum: [...values], ...rest, description });
}

/** A duration (`"30s"`, `"7d"`, or milliseconds); the constructor receives milliseconds. */
export function duration(description: string, defaultValue?: string | number): TUnsafe<number> {
  return Type.Unsafe<number>(durationSchema(description, defaultValue));
}

/** A duration that may be negative, so that a semantic check can say why it must not be (window fields). */
export function signedDuration(description: string, defaultValue?: string | number): TUnsafe<number> {
  return Type.Unsafe<number>(signedDurationSchema(description, defaultValue));
}

/** A dotted path into a record value (`data.score`). */
export function fieldPath(description: string, defaultValue?: string): TUnsafe<string> {
  return Type.Unsafe<string>(fieldPathSchema(description, defaultValue));
}

/** A JSONata expression; declare it in the processor's `expressions` so the compiler checks its syntax. */
export function expression(description: string): TUnsafe<string> {
  return Type.Unsafe<string>(expressionSchema(description));
}

/** The id of a resource declared under `resources:`; declare it in the processor's `resourceRefs` with the role it must have. */
export function resourceRef(description: string): TUnsafe<string> {
  return Type.Unsafe<string>(resourceRefSchema(description));
}

/** A map from names (matching `keyPattern`) to values of `value`'s schema. */
export function mapOf<T extends TSchema>(
  value: T,
  options: { description: string; minProperties?: number; keyPattern?: string },
): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    description: options.description,
    ...(options.minProperties !== undefined ? { minProperties: options.minProperties } : {}),
    ...(options.keyPattern !== undefined ? { propertyNames: { pattern: options.keyPattern } } : {}),
    additionalProperties: value,
  });
}

/**
 * `raw` (a config the compiler validated) as its constructor receives it: a
 * fresh copy with the defaults of fields left out and every duration in
 * milliseconds. Filling defaults again is a no-op for validated configs; it
 * keeps a hand-built config (a test's) to the same contract.
 */
export function parseConfig<S extends TSchema>(schema: S, raw: unknown): Config<S> {
  return parse(schema, raw ?? {}) as Config<S>;
}

type SchemaNode = Record<string, unknown>;

function parse(schema: SchemaNode, value: unknown): unknown {
  if (value === undefined) return value;
  if (schema.$comment === DURATION_COMMENT) return toMillis(value);
  if (schema.type !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  const rest = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as SchemaNode) : undefined;
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const field = properties[name] ?? rest;
    out[name] = field ? parse(field, v) : v;
  }
  for (const [name, field] of Object.entries(properties)) if (!(name in out) && 'default' in field) out[name] = parse(field, structuredClone(field.default));
  return out;
}

function isOptional(schema: TSchema): boolean {
  return (schema as { [OptionalKind]?: unknown })[OptionalKind] === 'Optional';
}

function typeFirst(type: string, options: object): SchemaNode {
  return { type, ...options };
}
