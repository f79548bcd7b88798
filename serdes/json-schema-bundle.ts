/**
 * One self-contained JSON Schema per topic, for the registry: the event
 * schemas refer to each other by file (`"$ref": "mood-entry.schema.json"`),
 * which a registry cannot follow, so such references are replaced by the
 * schema they name (recursively; a cycle is an error). `$id`/`$schema` of the
 * inlined schemas are dropped; the root keeps its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';

export type JsonSchemaNode = Record<string, unknown>;

const SUFFIX = '.schema.json';

export function readEventSchema(dir: string, id: string): JsonSchemaNode {
  const file = path.join(dir, `${id}${SUFFIX}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JsonSchemaNode;
  } catch (err) {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `cannot read event schema "${id}" (${file}): ${(err as Error).message}`, { cause: err });
  }
}

/** The event schema `id` of `dir` with every reference to another schema file inlined. */
export function bundleEventSchema(dir: string, id: string): JsonSchemaNode {
  return inline(readEventSchema(dir, id), dir, [id]) as JsonSchemaNode;
}

function inline(node: unknown, dir: string, stack: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, dir, stack));
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as JsonSchemaNode;
  const ref = obj.$ref;
  if (typeof ref === 'string' && !ref.startsWith('#')) {
    const file = ref.split('#')[0].split('/').pop()!;
    if (!file.endsWith(SUFFIX))
      throw new AuraError(
        ErrorCodes.CONFIG_INVALID,
        `event schema "${stack[0]}": cannot follow "$ref": "${ref}" (only references to other *${SUFFIX} files are bundled)`,
      );
    const target = file.slice(0, -SUFFIX.length);
    if (stack.includes(target))
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `event schemas refer to each other in a cycle: ${[...stack, target].join(' → ')}`);
    const { $id: _id, $schema: _schema, ...rest } = readEventSchema(dir, target);
    const { $ref: _ref, ...siblings } = obj;
    return { ...(inline(rest, dir, [...stack, target]) as JsonSchemaNode), ...(inline(siblings, dir, stack) as JsonSchemaNode) };
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, inline(v, dir, stack)]));
}
