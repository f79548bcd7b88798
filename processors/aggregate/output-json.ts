/**
 * The keyed fold's output record — `{key, <aggregation>: result, …}` — built
 * with one prototype per processor and a JSON writer of its own (state/types.ts
 * STORE_JSON, honoured by the JSON serde, runtime/serde.ts). With `emit:
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
import { STORE_JSON } from '../../state/types.js';
import type { Accs } from './accs-json.js';
import type { Aggregation } from './accumulators.js';

export type OutputBuilder = (key: string, accs: Accs) => Record<string, unknown>;

export function outputBuilder(aggs: readonly Aggregation[]): OutputBuilder {
  const names = aggs.map((a) => a.name);
  const n = names.length;
  // `,"name":` as JSON.stringify writes each field after `{"key":"…"`.
  const heads = names.map((name) => `,${JSON.stringify(name)}:`);
  function toJson(this: Record<string, unknown>): string {
    let i = -1;
    for (const k in this) {
      if (i === -1 ? k !== 'key' : i >= n || k !== names[i]) return JSON.stringify(this);
      i++;
    }
    if (i !== n) return JSON.stringify(this);
    const key = this.key;
    if (typeof key !== 'string') return JSON.stringify(this);
    let s = `{"key":${JSON.stringify(key)}`;
    for (let j = 0; j < n; j++) {
      const v = this[names[j]!];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return JSON.stringify(this);
        s += `${heads[j]}${v}`;
      } else if (typeof v === 'string') s += `${heads[j]}${JSON.stringify(v)}`;
      else if (v === null || typeof v === 'boolean') s += `${heads[j]}${v}`;
      else return JSON.stringify(this);
    }
    return `${s}}`;
  }
  const proto: object = Object.create(Object.prototype, { [STORE_JSON]: { value: toJson } });
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
