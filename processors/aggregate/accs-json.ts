/**
 * The keyed fold's state — one `{n, v}` accumulator per aggregation, in the
 * aggregations' order — with a JSON writer of its own (state/types.ts
 * STORE_JSON): at each commit every key updated since the last one is
 * serialised for the changelog, and JSON.stringify walking the two levels of
 * objects was the state's largest cost (~2 µs per key; this writer about half).
 * The text is exactly JSON.stringify's, so the stored format, restore and
 * older state are unchanged. A value that is not of the shape (read back from
 * SQLite or the changelog under another aggregation list, or an accumulator
 * with other fields) stays a plain object and goes through JSON.stringify.
 */
import { type JsonArena, utf8Bytes } from '../../state/json-arena.js';
import { STORE_JSON, STORE_JSON_BYTES } from '../../state/types.js';
import type { Acc, Aggregation } from './accumulators.js';

export type Accs = Record<string, Acc>;

export interface AccsShape {
  /** A new state of this shape, without accumulators yet (the fold adds them in order). */
  create(): Accs;
  /** `value` itself when of this shape, else a copy of this shape when it can be, else `value` (left to JSON.stringify). */
  adopt(value: Accs): Accs;
}

export function accsShape(aggs: readonly Aggregation[]): AccsShape {
  const names = aggs.map((a) => a.name);
  const n = names.length;
  // `{"name":{"n":` then `,"name":{"n":` for the others, as JSON.stringify writes them.
  const heads = names.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:{"n":`);
  function toJson(this: Accs): string {
    let s = '';
    for (let i = 0; i < n; i++) {
      const a = this[names[i]!];
      if (a === undefined) return JSON.stringify(this);
      const c = a.n;
      const v = a.v;
      if (typeof c !== 'number' || v === undefined) return JSON.stringify(this);
      s += `${heads[i]}${Number.isFinite(c) ? c : 'null'},"v":${typeof v === 'number' ? (Number.isFinite(v) ? v : 'null') : JSON.stringify(v)}}`;
    }
    return n === 0 ? '{}' : `${s}}`;
  }
  // The same text as UTF-8 bytes straight into the commit's arena (no string, no Buffer per key).
  const headBytes = heads.map(utf8Bytes);
  const valueBytes = utf8Bytes(',"v":');
  const closeBytes = utf8Bytes('}');
  const emptyBytes = utf8Bytes('{}');
  function writeBytes(this: Accs, out: JsonArena): boolean {
    if (n === 0) {
      out.bytes(emptyBytes);
      return true;
    }
    for (let i = 0; i < n; i++) {
      const a = this[names[i]!];
      if (a === undefined) return false;
      const c = a.n;
      const v = a.v;
      if (typeof c !== 'number' || v === undefined) return false;
      out.bytes(headBytes[i]!);
      out.number(c);
      out.bytes(valueBytes);
      if (typeof v === 'number') out.number(v);
      else {
        const json = JSON.stringify(v) as string | undefined;
        if (json === undefined) return false;
        out.text(json);
      }
      out.bytes(closeBytes);
    }
    out.bytes(closeBytes);
    return true;
  }
  const proto: object = Object.create(Object.prototype, { [STORE_JSON]: { value: toJson }, [STORE_JSON_BYTES]: { value: writeBytes } });
  const isAcc = (a: unknown): a is Acc => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
    let k = 0;
    for (const key in a) {
      if (key !== (k === 0 ? 'n' : 'v') || k > 1) return false;
      k++;
    }
    return k === 2;
  };
  return {
    create: () => Object.create(proto) as Accs,
    adopt(value) {
      // A property read through the prototype (an inline cache hit), cheaper per record than getPrototypeOf.
      if ((value as { [STORE_JSON]?: unknown })[STORE_JSON] === toJson) return value;
      const keys = Object.keys(value);
      if (keys.length !== n) return value;
      for (let i = 0; i < n; i++) if (keys[i] !== names[i] || !isAcc(value[names[i]!])) return value;
      const out = Object.create(proto) as Accs;
      for (let i = 0; i < n; i++) out[names[i]!] = value[names[i]!]!;
      return out;
    },
  };
}
