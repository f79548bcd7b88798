/**
 * Entries written in the wrong section — an `aggregate` under `joins:`, a
 * join under `processors:`, a store under `topics:` — recognised by what they
 * evidently are (a processor type, a join type, a resource type, a store
 * kind, a topic name), so the compiler reports one WRONG_SECTION at the entry
 * ("belongs under processors:") instead of every field the wrong section
 * does not have, and reads the entry as what it is.
 */
import type { Path } from './source-doc.js';

export type Section = 'topics' | 'stores' | 'resources' | 'processors' | 'joins';
export const SECTIONS: readonly Section[] = ['topics', 'stores', 'resources', 'processors', 'joins'];

export interface Misplaced {
  id: string;
  /** Where it is written. */
  section: Section;
  /** Where it belongs. */
  belongs: Section;
  /** The entry as written (before schema defaults were filled in). */
  raw: Record<string, unknown>;
  path: Path;
  message: string;
}

/** The processor and resource types the pipeline may use (the compiler's registries). */
export interface KnownTypes {
  processors: readonly string[];
  resources: readonly string[];
}

const JOIN_TYPES = ['stream_table', 'stream_stream'];
const STORE_KINDS = ['key_value', 'window', 'session'];
const WHAT: Record<Section, string> = { topics: 'a topic', stores: 'a store', resources: 'a resource', processors: 'a processor', joins: 'a join' };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The section an entry evidently belongs to, and why; undefined when it is not evident. */
function evidentSection(raw: Record<string, unknown>, known: KnownTypes): { section: Section; because: string } | undefined {
  const type = typeof raw.type === 'string' ? raw.type : undefined;
  if (type !== undefined) {
    if (known.processors.includes(type)) return { section: 'processors', because: `type "${type}"` };
    if (JOIN_TYPES.includes(type)) return { section: 'joins', because: `type "${type}"` };
    if (known.resources.includes(type)) return { section: 'resources', because: `type "${type}"` };
    return undefined;
  }
  if (typeof raw.kind === 'string' && STORE_KINDS.includes(raw.kind)) return { section: 'stores', because: `kind "${raw.kind}"` };
  if (typeof raw.name === 'string') return { section: 'topics', because: 'a "name" and no "type"' };
  return undefined;
}

/** Every entry of the document that belongs to another section. Call before schema validation (which fills in defaults). */
export function findMisplaced(data: unknown, known: KnownTypes): Misplaced[] {
  if (!isObj(data)) return [];
  const out: Misplaced[] = [];
  for (const section of SECTIONS) {
    const entries = data[section];
    if (!isObj(entries)) continue;
    for (const [id, raw] of Object.entries(entries)) {
      if (!isObj(raw)) continue;
      const evident = evidentSection(raw, known);
      if (!evident || evident.section === section) continue;
      out.push({
        id,
        section,
        belongs: evident.section,
        raw: structuredClone(raw),
        path: [section, id],
        message: `"${id}" is ${WHAT[evident.section]} (${evident.because}): it belongs under ${evident.section}:, not under ${section}:`,
      });
    }
  }
  return out;
}

/** True when `instancePath` (ajv's, `/joins/agg/from`) is inside a misplaced entry. */
export function insideMisplaced(instancePath: string, misplaced: readonly Misplaced[]): boolean {
  return misplaced.some((m) => {
    const prefix = `/${m.section}/${m.id.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return instancePath === prefix || instancePath.startsWith(`${prefix}/`);
  });
}
