/**
 * Validation of request parts against the schemas the operations declare
 * (operation.ts): one ajv for bodies, with the event schemas of
 * `schemas/events` loaded so a body may be `$ref`'d to one of them (the
 * publishing routes), and one that coerces query strings to the declared
 * types. Every problem at once, each with the JSON pointer of the offending
 * field; a schema may word its own message with `x-message` (an OpenAPI
 * extension keyword: "must be a non-blank string of at most 2000 characters"
 * beats ajv's "must match pattern").
 */
import fs from 'node:fs';
import path from 'node:path';
import { type TUnsafe, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { EVENT_SCHEMA_BASE, EVENT_SCHEMAS_DIR } from '../../schemas/event-schemas.js';

export interface FieldError {
  /** JSON pointer into the body (`/score`, `/emotions/2`; `""` is the body itself), or `/query/<name>`, `/headers/<name>`. */
  path: string;
  message: string;
}

/** The keyword a schema words its own error message with. */
export const MESSAGE_KEYWORD = 'x-message';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, logger: false, coerceTypes: coerce, useDefaults: coerce });
  addFormats(ajv);
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: 'string' });
  return ajv;
}

const bodies = newAjv(false);
const strings = newAjv(true);
for (const file of fs
  .readdirSync(EVENT_SCHEMAS_DIR)
  .filter((f) => f.endsWith('.schema.json'))
  .sort()) {
  const schema = JSON.parse(fs.readFileSync(path.join(EVENT_SCHEMAS_DIR, file), 'utf8')) as { $id?: string };
  bodies.addSchema({ ...schema, $id: schema.$id ?? `${EVENT_SCHEMA_BASE}${file}` });
}

/** The `$ref` of event schema `id` (`schemas/events/<id>.schema.json`), for a body or a field that is one. */
export function eventSchemaRef(id: string): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ $ref: `${EVENT_SCHEMA_BASE}${id}.schema.json` });
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles `schema` once (bodies: without coercion; `strings`: query and header values, coerced to the declared types). */
export function compileSchema(schema: object, kind: 'body' | 'strings' = 'body'): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = (kind === 'body' ? bodies : strings).compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function toFieldError(e: ErrorObject, prefix: string): FieldError {
  const p = e.params as Record<string, unknown>;
  const at = prefix + e.instancePath;
  // Point at the field that is missing or unexpected, not at its parent object.
  if (e.keyword === 'required') return { path: `${at}/${escapePointer(String(p.missingProperty))}`, message: 'is required' };
  if (e.keyword === 'additionalProperties') return { path: `${at}/${escapePointer(String(p.additionalProperty))}`, message: 'is not allowed' };
  const own = (e.parentSchema as Record<string, unknown> | undefined)?.[MESSAGE_KEYWORD];
  if (typeof own === 'string') return { path: at, message: own };
  if (e.keyword === 'enum') return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  return { path: at, message: e.message ?? 'is invalid' };
}

/** The problems of `value` against `validate` (empty when valid), `prefix` before every pointer. */
export function fieldErrors(validate: ValidateFunction, value: unknown, prefix = ''): FieldError[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  // `if` only says which `then` failed; the `then`'s own errors are the useful ones.
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'if') continue;
    const fe = toFieldError(e, prefix);
    const key = `${fe.path}\u0000${fe.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(fe);
  }
  return out;
}
