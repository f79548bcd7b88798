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
import { STORE_JSON } from './types.js';

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
 * What is persisted of one key's list: element → reference, and each segment's
 * elements (to forget them when the segment goes). Updated in place by each
 * flush; entries of elements removed from a segment still in use stay (their
 * reference is still valid, should the same object come back).
 */
export class ListRows {
  readonly refs = new Map<unknown, number>();
  readonly segments = new Map<number, unknown[]>();
  /** The next segment number: one past the highest ever seen for this key here. */
  nextSegment = 0;
  /** The list and its references as last flushed: most elements are found at their old place (no map lookup). */
  lastList: readonly unknown[] = [];
  lastRefs: readonly number[] = [];

  get size(): number {
    return this.refs.size;
  }

  /** Segments whose elements are not known (the value was written without being read). */
  static unknown(refs: readonly number[]): ListRows {
    const rows = new ListRows();
    for (const s of segmentsOf(refs)) rows.addSegment(s, []);
    return rows;
  }

  addSegment(segment: number, elements: unknown[]): void {
    this.segments.set(segment, elements);
    if (segment >= this.nextSegment) this.nextSegment = segment + 1;
  }
}

/**
 * Turns a parsed head into the value: each marker is replaced by the elements
 * (from `rows`, segment → JSON array) in list order. Returns what is persisted,
 * or undefined when the value was stored whole.
 */
export function assembleHead(head: unknown, rows: Map<number, string>): ListRows | undefined {
  if (head === null || typeof head !== 'object' || Array.isArray(head)) return undefined;
  const obj = head as Record<string, unknown>;
  let persisted: ListRows | undefined;
  for (const k in obj) {
    const refs = markerSlots(obj[k]);
    if (refs === undefined) continue;
    persisted ??= new ListRows();
    const list: unknown[] = [];
    for (const ref of refs) {
      const seg = Math.floor(ref / SEGMENT);
      let elements = persisted.segments.get(seg);
      if (elements === undefined) {
        const json = rows.get(seg);
        // Never expected (a head and its segments commit together): keep what is there.
        if (json === undefined) continue;
        persisted.addSegment(seg, (elements = JSON.parse(json) as unknown[]));
      }
      if (ref % SEGMENT >= elements.length) continue;
      const el = elements[ref % SEGMENT];
      persisted.refs.set(el, ref);
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
  /** What is persisted once this flush is (the given ListRows, updated, or a new one). */
  persisted: ListRows;
}

/** Segments in use by the list being flushed (scratch: flushes run one at a time). */
const liveScratch = new Set<number>();

/**
 * What to write for a value of a list-rows store, updating `persisted` (what
 * the previous flush left; undefined when unknown: the references are then
 * read with `loadRefs`, and every element counts as new). Per element one map
 * lookup; the new elements go into one new segment (or more, SEGMENT each).
 */
export function planListFlush(
  store: string,
  key: string,
  head: string,
  value: unknown,
  field: string,
  persisted: ListRows | undefined,
  loadRefs: () => number[],
): ListFlush {
  const p = persisted ?? ListRows.unknown(loadRefs());
  const list = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  const split = Array.isArray(list);
  const refs: number[] = split ? new Array(list.length) : [];
  const first = p.nextSegment;
  let fresh: unknown[] | undefined;
  let freshSegment = first;
  const live = liveScratch;
  live.clear();
  if (split) {
    // Walk the old list alongside: elements dropped from its front are skipped once, appended and
    // inserted ones are new (a map miss), everything else matches in place.
    const last = p.lastList;
    let j = 0;
    if (list.length > 0) while (j < last.length && last[j] !== list[0]) j++;
    let lastSeg = -1;
    for (let i = 0; i < list.length; i++) {
      const el = list[i];
      let ref: number | undefined;
      if (j < last.length && last[j] === el) ref = p.lastRefs[j++];
      else ref = p.refs.get(el);
      if (ref === undefined) {
        if (fresh === undefined || fresh.length === SEGMENT) {
          if (fresh !== undefined) freshSegment++;
          fresh = [];
          p.addSegment(freshSegment, fresh);
        }
        ref = freshSegment * SEGMENT + fresh.length;
        fresh.push(el);
        p.refs.set(el, ref);
      }
      const seg = Math.floor(ref / SEGMENT);
      if (seg !== lastSeg) live.add((lastSeg = seg));
      refs[i] = ref;
    }
    p.lastList = list.slice();
    p.lastRefs = refs;
  } else {
    p.lastList = [];
    p.lastRefs = [];
  }
  const rows: RowWrite[] = [];
  for (const [seg, elements] of p.segments) {
    if (live.has(seg)) continue;
    rows.push({ key: elementKey(head, seg), json: null });
    for (const el of elements) p.refs.delete(el);
    p.segments.delete(seg);
  }
  if (fresh !== undefined)
    for (let seg = first; seg <= freshSegment; seg++) rows.push({ key: elementKey(head, seg), json: toJson(store, key, p.segments.get(seg)) });
  if (!split) return { json: value === undefined ? null : toJson(store, key, value), rows, persisted: p };
  // The head is the value's JSON with the list swapped for its marker, for the time of one stringify.
  const marker = { [ROWS_MARK]: refs };
  const obj = value as Record<string, unknown>;
  if (Object.isFrozen(obj)) {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) copy[k] = k === field ? marker : obj[k];
    return { json: toJson(store, key, copy), rows, persisted: p };
  }
  obj[field] = marker;
  try {
    return { json: toJson(store, key, obj), rows, persisted: p };
  } finally {
    obj[field] = list;
  }
}

/** JSON of a value; a value JSON cannot hold (BigInt, cycle, function) fails the commit with the store and key named. */
export function toJson(store: string, key: string, value: unknown): string {
  let json: string | undefined;
  try {
    const own = typeof value === 'object' && value !== null ? (value as { [STORE_JSON]?: () => string })[STORE_JSON] : undefined;
    json = own === undefined ? JSON.stringify(value) : own.call(value);
  } catch (cause) {
    throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: value of key ${key} is not JSON-serialisable: ${errorMessage(cause)}`, { cause });
  }
  if (json === undefined) throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: value of key ${key} is not JSON-serialisable (${typeof value})`);
  return json;
}
