/**
 * The list-rows layout of key-value stores: one array field of a value (say a
 * context window's `events`) is persisted one row per element, so that a
 * commit writes the elements that changed instead of the whole value. A store
 * opts in with `persistListAsRows(field)`; reading is self-describing, so a
 * store opened without that call (a tool, a test, the next version) still reads
 * every value whole.
 *
 * Physical rows (in the store's SQLite table and as changelog records, with
 * the same keys):
 * - head:    key `esc(k)`; the value's JSON with the list replaced by a marker
 *            in place: `{"version":3,"events":{"\u0001rows":[0,4,2]},"ikigai":{}}`,
 *            the slots of the elements in list order.
 * - element: key `esc(k) + U+0001 + slot` (slot in decimal); the element's JSON.
 *
 * `esc` keeps keys free of U+0001, so element keys never collide with heads or
 * with other keys' elements: U+0001 becomes U+0002 U+0002 and U+0002 becomes
 * U+0002 U+0003, which preserves key order (ranges still work) and leaves every
 * other key unchanged — a head of an ordinary key is the row a value was
 * always stored under. A value stored whole (written before the layout
 * existed, or not split) is a head without marker: old changelogs restore as
 * they are and read as they did.
 *
 * Elements are identified by reference: an element object already persisted
 * keeps its slot and is not written again; a new object gets the slot of a
 * removed element when there is one (one row overwritten, no tombstone), else
 * the smallest free one. So a full 50-event window that takes one event writes
 * one element row and its head. Elements must therefore not be changed in
 * place once stored: put a new object instead.
 *
 * Applies to key-value stores with a changelog or none, not to tables
 * materialised from a topic, whose rows are the topic's records verbatim. Keys
 * containing U+0001 or U+0002 written by a version without this layout are not
 * read back (their rows look like elements or escapes).
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';

export const ROWS_MARK = '\u0001rows';
const SEP = '\u0001';
const ESC = '\u0002';
const NEEDS_ESCAPE = /[\u0001\u0002]/;
/** Slots are decimal: every element key of `p` lies in [p + SEP, p + SEP + ':']. */
const AFTER_DIGITS = ':';

export function escapeKey(key: string): string {
  return NEEDS_ESCAPE.test(key) ? key.replace(/[\u0001\u0002]/g, (c) => (c === SEP ? '\u0002\u0002' : '\u0002\u0003')) : key;
}

export function unescapeKey(physical: string): string {
  return physical.indexOf(ESC) < 0 ? physical : physical.replace(/\u0002([\u0002\u0003])/g, (_, c: string) => (c === ESC ? SEP : ESC));
}

export function isElementKey(physical: string): boolean {
  return physical.indexOf(SEP) >= 0;
}

export function elementKey(head: string, slot: number): string {
  return `${head}${SEP}${slot}`;
}

/** Bounds (inclusive) of the element rows of the head `head`. */
export function elementRange(head: string): [string, string] {
  return [head + SEP, head + SEP + AFTER_DIGITS];
}

/** The head of an element key and its slot. */
export function splitElementKey(physical: string): [string, number] {
  const i = physical.indexOf(SEP);
  return [physical.slice(0, i), Number(physical.slice(i + 1))];
}

/** Slots of the split field of a parsed head, or undefined for a value stored whole. */
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
  const slots = (x as Record<string, unknown>)[ROWS_MARK];
  return Array.isArray(slots) ? (slots as number[]) : undefined;
}

/**
 * Turns a parsed head into the value: each marker is replaced by the elements
 * (parsed from `rows`, slot → JSON) in list order. Returns the element → slot
 * map of what is persisted, or undefined when the value was stored whole.
 */
export function assembleHead(head: unknown, rows: Map<number, string>): Map<unknown, number> | undefined {
  if (head === null || typeof head !== 'object' || Array.isArray(head)) return undefined;
  const obj = head as Record<string, unknown>;
  let persisted: Map<unknown, number> | undefined;
  for (const k in obj) {
    const slots = markerSlots(obj[k]);
    if (slots === undefined) continue;
    persisted ??= new Map();
    const list: unknown[] = [];
    for (const s of slots) {
      const json = rows.get(s);
      if (json === undefined) continue; // never expected (head and elements commit together); keep what is there
      const el = JSON.parse(json) as unknown;
      persisted.set(el, s);
      list.push(el);
    }
    obj[k] = list;
  }
  return persisted;
}

/** One physical row written besides a head: an element (json) or its removal (null). */
export interface RowWrite {
  key: string;
  json: string | null;
}

export interface ListFlush {
  /** The head row (null: the key is deleted). */
  json: string | null;
  rows: RowWrite[];
  /** Element → slot once this flush is persisted. */
  persisted: Map<unknown, number>;
}

/**
 * What to write for a value of a list-rows store. `persisted` is what the
 * previous flush left (undefined when unknown: the slots are then read with
 * `loadSlots` and every element counts as new).
 */
export function planListFlush(
  store: string,
  key: string,
  head: string,
  value: unknown,
  field: string,
  persisted: Map<unknown, number> | undefined,
  loadSlots: () => number[],
): ListFlush {
  const freed: number[] = [];
  const used = new Set<number>();
  const next = new Map<unknown, number>();
  const list = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  const split = Array.isArray(list);
  if (split && persisted !== undefined) {
    for (const el of list) {
      const s = persisted.get(el);
      if (s !== undefined) {
        next.set(el, s);
        used.add(s);
      }
    }
  }
  if (persisted !== undefined) {
    for (const s of persisted.values()) if (!used.has(s)) freed.push(s);
  } else for (const s of loadSlots()) freed.push(s);
  const rows: RowWrite[] = [];
  if (!split) {
    for (const s of freed) rows.push({ key: elementKey(head, s), json: null });
    return { json: value === undefined ? null : toJson(store, key, value), rows, persisted: next };
  }
  const slots: number[] = new Array(list.length);
  let candidate = 0;
  for (let i = 0; i < list.length; i++) {
    const el = list[i];
    let s = next.get(el);
    if (s === undefined) {
      if (freed.length > 0) s = freed.pop()!;
      else {
        while (used.has(candidate)) candidate++;
        s = candidate;
      }
      used.add(s);
      next.set(el, s);
      rows.push({ key: elementKey(head, s), json: toJson(store, key, el) });
    }
    slots[i] = s;
  }
  for (const s of freed) rows.push({ key: elementKey(head, s), json: null });
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = k === field ? { [ROWS_MARK]: slots } : obj[k];
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
