/**
 * How a key-value store's keys and values map to its SQLite rows and
 * changelog records: one row per key, except that with the list-rows layout
 * (list-rows.ts) a value may be a head plus element rows. Tables materialised
 * from a topic keep the topic's keys and values verbatim.
 */

import { type JsonArena, valueJson } from './json-arena.js';
import { assembleHead, elementRange, escapeKey, headSlots, isElementKey, type ListRows, planListFlush, splitElementKey, unescapeKey } from './list-rows.js';
import type { RawRow, RowTable } from './sqlite-tables.js';
import type { CacheEntry, FlushItem } from './store-cache.js';

const NO_ROWS: ReadonlyMap<number, string> = new Map();

export class KvLayout {
  /** The field persisted one row per element, once a processor asked for it. */
  listField: string | undefined;

  constructor(
    private readonly table: RowTable,
    private readonly store: string,
    /** False for a table materialised from a topic: no escaping, no list rows. */
    readonly listRows: boolean,
  ) {}

  physical(key: string): string {
    return this.listRows ? escapeKey(key) : key;
  }

  logical(physical: string): string {
    return this.listRows ? unescapeKey(physical) : physical;
  }

  /** The value of a row read from SQLite (its list elements loaded), and which elements it persisted. */
  decode(physical: string, json: string): { value: unknown; rows: ListRows | undefined } {
    const value = JSON.parse(json) as unknown;
    if (!this.listRows) return { value, rows: undefined };
    const slots = headSlots(value);
    if (slots === undefined) return { value, rows: undefined };
    return { value, rows: assembleHead(value, slots.length > 0 ? this.loadElements(physical) : (NO_ROWS as Map<number, string>)) };
  }

  /**
   * Range results: element rows taken out and attached to their heads, keys made logical.
   * Returns the head rows and the parser that assembles each one's value.
   */
  heads(rows: RawRow[]): { rows: RawRow[]; parse: (row: RawRow) => unknown } {
    if (!this.listRows) return { rows, parse: parseJson };
    const elements = new Map<string, Map<number, string>>();
    const heads: RawRow[] = [];
    for (const r of rows) {
      if (!isElementKey(r[0])) {
        heads.push(r);
        continue;
      }
      const [head, slot] = splitElementKey(r[0]);
      let m = elements.get(head);
      if (m === undefined) elements.set(head, (m = new Map()));
      m.set(slot, r[3]);
    }
    const physicalOf = new Map<RawRow, string>();
    for (const h of heads) {
      const logical = unescapeKey(h[0]);
      if (logical !== h[0]) physicalOf.set(h, h[0]);
      h[0] = logical;
    }
    const parse = (row: RawRow): unknown => {
      const value = JSON.parse(row[3]) as unknown;
      const slots = headSlots(value);
      if (slots === undefined) return value;
      const physical = physicalOf.get(row) ?? row[0];
      // A head at the range's upper bound sorts before its own elements, which the scan then missed.
      const found = elements.get(physical) ?? (slots.length > 0 ? this.loadElements(physical) : (NO_ROWS as Map<number, string>));
      assembleHead(value, found);
      return value;
    };
    return { rows: heads, parse };
  }

  /** prepareCommit: the rows a dirty entry becomes (a value with a byte writer is written into `arena`). */
  encode(e: CacheEntry, arena: JsonArena): FlushItem {
    const id = this.physical(e.id);
    // A list-rows store, or a value read as a head with element rows (they must go if it is now stored whole).
    if (this.listRows && (this.listField !== undefined || (e.rows !== undefined && e.rows.size > 0))) {
      const plan = planListFlush(this.store, e.key, id, e.value, this.listField ?? '', e.rows, () => this.loadRefs(id));
      e.rows = plan.persisted;
      return { entry: e, id, json: plan.json, ts: e.ts, rows: plan.rows.length > 0 ? plan.rows : undefined };
    }
    return { entry: e, id, json: e.value === undefined ? null : valueJson(this.store, e.key, e.value, arena), ts: e.ts };
  }

  private loadElements(physical: string): Map<number, string> {
    const [from, to] = elementRange(physical);
    const out = new Map<number, string>();
    for (const r of this.table.range(from, to)) out.set(splitElementKey(r[0])[1], r[3]);
    return out;
  }

  /** Element references of the head SQLite holds (what a write without a prior read replaces). */
  private loadRefs(physical: string): number[] {
    const json = this.table.getJson(physical, 0, 0);
    return json === undefined ? [] : (headSlots(JSON.parse(json)) ?? []);
  }
}

function parseJson(row: RawRow): unknown {
  return JSON.parse(row[3]) as unknown;
}
