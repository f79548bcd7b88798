/**
 * The keyed fold's output record — `{key, <aggregation>: result, …}` — built
 * with one prototype per processor and a JSON writer of its own (state/types.ts
 * STORE_JSON and STORE_JSON_BYTES, honoured by the JSON serde, runtime/serde.ts). With `emit:
 * on_commit` every key updated since the last commit is emitted and encoded
 * at each commit, and JSON.stringify walking the object was a good part of
 * that (docs/benchmarks.md, "embcommit").
 *
 * Forwarded values may be changed by the processors downstream (nothing in
 * the DSL forbids it), so the writer trusts nothing: it writes only while the
 * object's own enumerable keys are still exactly `key` and the aggregation
 * names, in that order, holding strings, finite numbers, booleans or null;
 * anything else (a field added, removed or renamed, a list, an object, a
 * non-finite number) goes to JSON.stringify. Its text is always exactly
 * JSON.stringify's.
 */
import { type JsonArena, utf8Bytes } from '../../state/json-arena.js';
import { STORE_JSON, STORE_JSON_BYTES } from '../../state/types.js';
import type { Accs } from './accs-json.js';
import type { Aggregation } from './accumulators.js';

export type OutputBuilder = (key: string, accs: Accs) => Record<string, unknown>;

export function outputBuilder(aggs: readonly Aggregation[]): OutputBuilder {
  const names = aggs.map((a) => a.name);
  const n = names.length;
  // `,"name":` as JSON.stringify writes each field after `{"key":"…"`.
  const heads = names.map((name) => `,${JSON.stringify(name)}:`);
  function toJson(this: Record<string, unknown>): string {
    if (!ofShape(this)) return JSON.stringify(this);
    let s = `{"key":${JSON.stringify(this.key)}`;
    for (let j = 0; j < n; j++) {
      const v = this[names[j]!];
      s += `${heads[j]}${typeof v === 'string' ? JSON.stringify(v) : v}`;
    }
    return `${s}}`;
  }
  // The same text as UTF-8 bytes into the serde's arena (runtime/serde.ts): no string, no Buffer of its own.
  const keyBytes = utf8Bytes('{"key":');
  const headBytes = heads.map(utf8Bytes);
  const closeBytes = utf8Bytes('}');
  function writeBytes(this: Record<string, unknown>, out: JsonArena): boolean {
    if (!ofShape(this)) return false;
    out.bytes(keyBytes);
    out.string(this.key as string);
    for (let j = 0; j < n; j++) {
      const v = this[names[j]!];
      out.bytes(headBytes[j]!);
      if (typeof v === 'number') out.number(v);
      else if (typeof v === 'string') out.string(v);
      else out.text(v === null ? 'null' : v ? 'true' : 'false');
    }
    out.bytes(closeBytes);
    return true;
  }
  /** Whether the writers may write `o`: its own keys still `key` and the names, in order, holding what they write. */
  function ofShape(o: Record<string, unknown>): boolean {
    let i = -1;
    for (const k in o) {
      if (i === -1 ? k !== 'key' : i >= n || k !== names[i]) return false;
      i++;
    }
    if (i !== n || typeof o.key !== 'string') return false;
    for (let j = 0; j < n; j++) {
      const v = o[names[j]!];
      if (typeof v === 'number' ? !Number.isFinite(v) : !(typeof v === 'string' || v === null || typeof v === 'boolean')) return false;
    }
    return true;
  }
  const proto: object = Object.create(Object.prototype, { [STORE_JSON]: { value: toJson }, [STORE_JSON_BYTES]: { value: writeBytes } });
  return (key, accs) => {
    const out = Object.create(proto) as Record<string, unknown>;
    out.key = key;
    for (let i = 0; i < n; i++) {
      const a = aggs[i]!;
      out[a.name] = a.result(accs[a.name]);
    }
    return out;
  };
}
