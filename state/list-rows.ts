/**
 * The list-rows layout of key-value stores: one array field of a value (say a
 * context window's `events`) is persisted apart from the rest, in segment rows
 * that are written once, so that a commit writes the elements added since the
 * previous one instead of the whole value. A store opts in with
 * `persistListAsRows(field)`; reading is self-describing, so a store opened
 * without that call (a tool, a test, the next version) still reads every value
 * whole.
 *
 * Physical rows (in the store's SQLite table and as changelog records, with
 * the same keys):
 * - head:    key `esc(k)`; the value's JSON with the list replaced by a marker
 *            in place: `{"version":3,"events":{"\u0001rows":[0,1,4096]},"ikigai":{}}`,
 *            the list's elements in order, each as `segment * 4096 + index`.
 * - segment: key `esc(k) + U+0001 + segment` (decimal); a JSON array of the
 *            elements a flush added. Never rewritten: removed (tombstoned) once
 *            none of its elements is in the list any more.
 *
 * So a commit writes, per changed key, its head and one segment with the new
 * elements (whatever their number), plus a tombstone when the last element of
 * an old segment left the list: a 50-event window that took 4 events since
 * the last commit costs 2 rows, not 50 elements' JSON.
 *
 * `esc` keeps keys free of U+0001, so segment keys never collide with heads or
 * with other keys' segments: U+0001 becomes U+0002 U+0002 and U+0002 becomes
 * U+0002 U+0003, which preserves key order (ranges still work) and leaves every
 * other key unchanged — a head of an ordinary key is the row a value was
 * always stored under. A value stored whole (written before the layout
 * existed, or not split) is a head without marker: old changelogs restore as
 * they are and read as they did.
 *
 * Elements are identified by reference: an element object already persisted
 * stays where it is; any other goes into the new segment. Elements must
 * therefore not be changed in place once stored: put a new object instead.
 *
 * Applies to key-value stores with a changelog or none, not to tables
 * materialised from a topic, whose rows are the topic's records verbatim. Keys
 * containing U+0001 or U+0002 written by a version without this layout are not
 * read back (their rows look like segments or escapes).
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';

export const ROWS_MARK = '\u0001rows';
const SEP = '\u0001';
const ESC = '\u0002';
const NEEDS_ESCAPE = /[\u0001\u0002]/;
/** Segment numbers are decimal: every segment key of `p` lies in [p + SEP, p + SEP + ':']. */
const AFTER_DIGITS = ':';
/** Elements per segment: a reference is `segment * SEGMENT + index`. */
export const SEGMENT = 4096;

export function escapeKey(key: string): string {
  return NEEDS_ESCAPE.test(key) ? key.replace(/[\u0001\u0002]/g, (c) => (c === SEP ? '\u0002\u0002' : '\u0002\u0003')) : key;
}

export function unescapeKey(physical: string): string {
  return physical.indexOf(ESC) < 0 ? physical : physical.replace(/\u0002([\u0002\u0003])/g, (_, c: string) => (c === ESC ? SEP : ESC));
}

export function isElementKey(physical: string): boolean {
  return physical.indexOf(SEP) >= 0;
}

export function elementKey(head: string, segment: number): string {
  return `${head}${SEP}${segment}`;
}

/** Bounds (inclusive) of the segment rows of the head `head`. */
export function elementRange(head: string): [string, string] {
  return [head + SEP, head + SEP + AFTER_DIGITS];
}

/** The head of a segment key and its segment number. */
export function splitElementKey(physical: string): [string, number] {
  const i = physical.indexOf(SEP);
  return [physical.slice(0, i), Number(physical.slice(i + 1))];
}

/** Element references of the split field of a parsed head, or undefined for a value stored whole. */
export function headSlots(head: unknown): number[] | undefined {
  if (head === null || typeof head !== 'object' || Array.isArray(head)) return undefined;
  const obj = head as Record<string, unknown>;
  for (const k in obj) {
    const m = markerSlots(obj[k]);
    if (m !== undefined) return m;
  }
  return undefined;
}

function markerSlots(x: unknown): number[] | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const refs = (x as Record<string, unknown>)[ROWS_MARK];
  return Array.isArray(refs) ? (refs as number[]) : undefined;
}

/** Segments referenced by a head's element references. */
export function segmentsOf(refs: readonly number[]): Set<number> {
  const out = new Set<number>();
  for (const r of refs) out.add(Math.floor(r / SEGMENT));
  return out;
}

/**
 * Turns a parsed head into the value: each marker is replaced by the elements
 * (from `rows`, segment → JSON array) in list order. Returns the element →
 * reference map of what is persisted, or undefined when the value was stored whole.
 */
export function assembleHead(head: unknown, rows: Map<number, string>): Map<unknown, number> | undefined {
  if (head === null || typeof head !== 'object' || Array.isArray(head)) return undefined;
  const obj = head as Record<string, unknown>;
  let persisted: Map<unknown, number> | undefined;
  const parsed = new Map<number, unknown[]>();
  for (const k in obj) {
    const refs = markerSlots(obj[k]);
    if (refs === undefined) continue;
    persisted ??= new Map();
    const list: unknown[] = [];
    for (const ref of refs) {
      const seg = Math.floor(ref / SEGMENT);
      let elements = parsed.get(seg);
      if (elements === undefined) {
        const json = rows.get(seg);
        // Never expected (a head and its segments commit together): keep what is there.
        if (json === undefined) continue;
        parsed.set(seg, (elements = JSON.parse(json) as unknown[]));
      }
      if (ref % SEGMENT >= elements.length) continue;
      const el = elements[ref % SEGMENT];
      persisted.set(el, ref);
      list.push(el);
    }
    obj[k] = list;
  }
  return persisted;
}

/** One physical row written besides a head: a segment (json) or its removal (null). */
export interface RowWrite {
  key: string;
  json: string | null;
}

export interface ListFlush {
  /** The head row (null: the key is deleted). */
  json: string | null;
  rows: RowWrite[];
  /** Element → reference once this flush is persisted. */
  persisted: Map<unknown, number>;
}

/**
 * What to write for a value of a list-rows store. `persisted` is what the
 * previous flush left (undefined when unknown: the references are then read
 * with `loadRefs`, and every element counts as new).
 */
export function planListFlush(
  store: string,
  key: string,
  head: string,
  value: unknown,
  field: string,
  persisted: Map<unknown, number> | undefined,
  loadRefs: () => number[],
): ListFlush {
  const next = new Map<unknown, number>();
  const list = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  const split = Array.isArray(list);
  const before = persisted === undefined ? segmentsOf(loadRefs()) : segmentsOf([...persisted.values()]);
  let newSeg = 0;
  for (const s of before) if (s >= newSeg) newSeg = s + 1;
  const live = new Set<number>();
  const refs: number[] = split ? new Array(list.length) : [];
  const fresh: unknown[][] = [];
  if (split) {
    for (let i = 0; i < list.length; i++) {
      const el = list[i];
      let ref = persisted?.get(el) ?? next.get(el);
      if (ref === undefined) {
        // A new element: into this flush's segment(s), SEGMENT elements each.
        let chunk = fresh[fresh.length - 1];
        if (chunk === undefined || chunk.length === SEGMENT) fresh.push((chunk = []));
        ref = (newSeg + fresh.length - 1) * SEGMENT + chunk.length;
        chunk.push(el);
      } else live.add(Math.floor(ref / SEGMENT));
      next.set(el, ref);
      refs[i] = ref;
    }
  }
  const rows: RowWrite[] = [];
  for (const s of before) if (!live.has(s)) rows.push({ key: elementKey(head, s), json: null });
  for (let c = 0; c < fresh.length; c++) rows.push({ key: elementKey(head, newSeg + c), json: toJson(store, key, fresh[c]) });
  if (!split) return { json: value === undefined ? null : toJson(store, key, value), rows, persisted: next };
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = k === field ? { [ROWS_MARK]: refs } : obj[k];
  return { json: toJson(store, key, out), rows, persisted: next };
}
/** JSON of a value; a value JSON cannot hold (BigInt, cycle, function) fails the commit with the store and key named. */
export function toJson(store: string, key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: value of key ${key} is not JSON-serialisable: ${errorMessage(cause)}`, { cause });
  }
  if (json === undefined) throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: value of key ${key} is not JSON-serialisable (${typeof value})`);
  return json;
}
