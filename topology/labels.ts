/**
 * How diagnostics name things: `processor "x"`, `topic "t"`, field paths like
 * `config.window.size`, and values as the user wrote them.
 */
import type { Path } from './source-doc.js';

const ENTITY_BY_SECTION: Record<string, string> = {
  topics: 'topic',
  stores: 'store',
  resources: 'resource',
  processors: 'processor',
  joins: 'join',
};

/** The entity a path is inside (`processor "x"`, `defaults`, or `pipeline` at the top level), and the rest of the path. */
export function entityOf(path: Path): { label: string; rest: Path } {
  const [section, id, ...rest] = path;
  if (typeof section === 'string' && ENTITY_BY_SECTION[section] && id !== undefined) return { label: `${ENTITY_BY_SECTION[section]} "${id}"`, rest };
  if (section === 'defaults') return { label: 'defaults', rest: path.slice(1) };
  return { label: 'pipeline', rest: path };
}

/** `config.window.size`, `from[1]`. */
export function fieldName(path: Path): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out ? `.${segment}` : segment;
  return out;
}

/** A value as it appeared in YAML, for "got ..." parts of messages. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** The JSON-Schema type names in words. */
export function typeInWords(type: string): string {
  return (
    { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'a mapping', array: 'a list', null: 'null' }[type] ??
    type
  );
}
