/**
 * The event schemas (`schemas/events/<id>.schema.json`) as AsyncAPI schema
 * components. The files reference each other by relative file name
 * (`"$ref": "mood-entry.schema.json"`); inside one AsyncAPI document those
 * become `#/components/schemas/mood-entry`, so the document stands alone — no
 * file next to it is needed to read a payload. `$id` and `$schema` are dropped
 * (an `$id` would re-base the pointers); AsyncAPI's schema object is a superset
 * of JSON Schema draft-07, the dialect the files are written in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { EVENT_SCHEMA_BASE, EVENT_SCHEMAS_DIR } from '../../schemas/event-schemas.js';

const SUFFIX = '.schema.json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where the event schemas of a pipeline file are: `schemas/events` beside it, else the shipped ones (as the compiler does). */
export function schemasDirFor(pipelineFile: string): string {
  const beside = path.join(path.dirname(path.resolve(pipelineFile)), 'schemas', 'events');
  return fs.existsSync(beside) ? beside : EVENT_SCHEMAS_DIR;
}

export const schemaPointer = (id: string): string => `#/components/schemas/${id}`;

/** The schema id a `$ref` names, and the fragment it points into (`''` for the whole schema). Null for refs that are not to event schemas. */
function refTarget(ref: string, self: string): { id: string; fragment: string } | null {
  const [file, fragment = ''] = ref.split('#', 2) as [string, string?];
  if (file === '') return { id: self, fragment };
  const name = file.startsWith(EVENT_SCHEMA_BASE) ? file.slice(EVENT_SCHEMA_BASE.length) : file.replace(/^\.\//, '');
  if (!name.endsWith(SUFFIX) || name.includes('/')) return null;
  return { id: name.slice(0, -SUFFIX.length), fragment };
}

function rewrite(value: Json, self: string, found: Set<string>): Json {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, self, found));
  if (value === null || typeof value !== 'object') return value;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') {
      const target = refTarget(v, self);
      if (!target)
        throw new AuraError(
          ErrorCodes.CONFIG_INVALID,
          `schema ${self}: cannot place "$ref": "${v}" in the AsyncAPI document (only refs to other event schemas are supported)`,
        );
      found.add(target.id);
      out[k] = `${schemaPointer(target.id)}${target.fragment}`;
    } else {
      out[k] = rewrite(v, self, found);
    }
  }
  return out;
}

/**
 * The schemas `ids` need, with every schema they reference (transitively),
 * sorted by id, ready for `components.schemas`.
 */
export function schemaComponents(ids: string[], dir: string): Record<string, Json> {
  const done = new Map<string, Json>();
  const queue = [...new Set(ids)];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (done.has(id)) continue;
    const file = path.join(dir, `${id}${SUFFIX}`);
    let raw: { [k: string]: Json };
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { [k: string]: Json };
    } catch (err) {
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `cannot read the event schema ${id} (${file}): ${(err as Error).message}`, { cause: err });
    }
    const { $id: _id, $schema: _schema, ...body } = raw;
    const found = new Set<string>();
    done.set(id, rewrite(body, id, found));
    for (const next of found) if (!done.has(next)) queue.push(next);
  }
  return Object.fromEntries([...done].sort(([a], [b]) => a.localeCompare(b)));
}
