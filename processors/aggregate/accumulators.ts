/**
 * The generic aggregations (`count | sum | avg | min | max | last | collect`)
 * as small mergeable accumulators: windowed aggregates add one record at a
 * time, session windows merge accumulators, the context window recomputes
 * over its events. Accumulators are plain JSON so they live in stores as is.
 */
import { compilePath, type Getter } from '../../common/path.js';
import type { AggregationConfig, AggregationOp } from './config.js';

/** JSON state of one aggregation: n = values folded, v = running value. */
export interface Acc {
  n: number;
  v: unknown;
}

export interface Aggregation {
  name: string;
  op: AggregationOp;
  /** A new accumulator with `record` folded into `acc` (which is left as it is). */
  add(acc: Acc | undefined, record: unknown): Acc;
  /** The same fold in place: `acc` (from create()) becomes what add() would return. No allocation but collect's list. */
  fold(acc: Acc, record: unknown): void;
  create(): Acc;
  merge(a: Acc | undefined, b: Acc | undefined): Acc;
  result(acc: Acc | undefined): unknown;
  /** Estimated bytes of this aggregation in an emitted record (sizes record cache entries). */
  readonly outputBytes: number;
}

export function compileAggregations(config: Record<string, AggregationConfig> | undefined): Aggregation[] {
  return Object.entries(config ?? {}).map(([name, c]) => compileAggregation(name, c));
}

function compileAggregation(name: string, c: AggregationConfig): Aggregation {
  const get: Getter = c.field ? compilePath(c.field) : () => undefined;
  const limit = c.limit;
  const empty = (): Acc => ({ n: 0, v: c.op === 'collect' ? [] : null });
  const numeric = (record: unknown): number | undefined => {
    const x = get(record);
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
  };
  const add = (acc: Acc | undefined, record: unknown): Acc => {
    const a = acc ?? empty();
    switch (c.op) {
      case 'count':
        return { n: a.n + 1, v: a.n + 1 };
      case 'sum':
      case 'avg': {
        const x = numeric(record);
        return x === undefined ? a : { n: a.n + 1, v: ((a.v as number | null) ?? 0) + x };
      }
      case 'min':
      case 'max': {
        const x = numeric(record);
        if (x === undefined) return a;
        const cur = a.v as number | null;
        const better = cur === null || (c.op === 'min' ? x < cur : x > cur);
        return { n: a.n + 1, v: better ? x : cur };
      }
      case 'last': {
        const x = get(record);
        return x === undefined ? a : { n: a.n + 1, v: x };
      }
      case 'collect': {
        const x = get(record);
        if (x === undefined) return a;
        const list = [...(a.v as unknown[]), x];
        return { n: a.n + 1, v: list.length > limit ? list.slice(list.length - limit) : list };
      }
    }
  };
  const merge = (x: Acc | undefined, y: Acc | undefined): Acc => {
    if (!x) return y ?? empty();
    if (!y) return x;
    switch (c.op) {
      case 'count':
        return { n: x.n + y.n, v: x.n + y.n };
      case 'sum':
      case 'avg':
        return { n: x.n + y.n, v: ((x.v as number | null) ?? 0) + ((y.v as number | null) ?? 0) };
      case 'min':
      case 'max': {
        const vals = [x.v, y.v].filter((v): v is number => typeof v === 'number');
        return { n: x.n + y.n, v: vals.length === 0 ? null : c.op === 'min' ? Math.min(...vals) : Math.max(...vals) };
      }
      case 'last':
        return y.n > 0 ? { n: x.n + y.n, v: y.v } : x;
      case 'collect': {
        const list = [...(x.v as unknown[]), ...(y.v as unknown[])];
        return { n: x.n + y.n, v: list.slice(Math.max(0, list.length - limit)) };
      }
    }
  };
  const result = (acc: Acc | undefined): unknown => {
    if (!acc || acc.n === 0) return c.op === 'count' ? 0 : c.op === 'collect' ? [] : null;
    if (c.op === 'avg') return (acc.v as number) / acc.n;
    // A copy: the keyed fold grows the list in place, and what is emitted must not change after.
    if (c.op === 'collect') return (acc.v as unknown[]).slice();
    return acc.v;
  };
  // Name, quotes, colon and comma, plus a number (or `limit` values for collect).
  const outputBytes = name.length + 4 + (c.op === 'collect' ? 24 * limit : 24);
  return { name, op: c.op, add, fold: folder(c.op, get, limit), create: empty, merge, result, outputBytes };
}

/**
 * The in-place fold of each op: same results as `add`, written out per op so that the per-record
 * path is one small monomorphic function (the keyed fold calls it for every record).
 */
function folder(op: AggregationOp, get: Getter, limit: number): (a: Acc, record: unknown) => void {
  switch (op) {
    case 'count':
      return (a) => {
        a.n++;
        a.v = a.n;
      };
    case 'sum':
    case 'avg':
      return (a, record) => {
        const x = get(record);
        if (typeof x !== 'number' || !Number.isFinite(x)) return;
        a.n++;
        a.v = ((a.v as number | null) ?? 0) + x;
      };
    case 'min':
      return (a, record) => {
        const x = get(record);
        if (typeof x !== 'number' || !Number.isFinite(x)) return;
        a.n++;
        if (a.v === null || x < (a.v as number)) a.v = x;
      };
    case 'max':
      return (a, record) => {
        const x = get(record);
        if (typeof x !== 'number' || !Number.isFinite(x)) return;
        a.n++;
        if (a.v === null || x > (a.v as number)) a.v = x;
      };
    case 'last':
      return (a, record) => {
        const x = get(record);
        if (x === undefined) return;
        a.n++;
        a.v = x;
      };
    case 'collect':
      return (a, record) => {
        const x = get(record);
        if (x === undefined) return;
        a.n++;
        const list = a.v as unknown[];
        list.push(x);
        if (list.length > limit) list.splice(0, list.length - limit);
      };
  }
}

/** Folds the aggregations over a list of records (context and sliding windows). */
export function foldAll(aggs: Aggregation[], records: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of aggs) {
    let acc: Acc | undefined;
    for (const r of records) acc = a.add(acc, r);
    out[a.name] = a.result(acc);
  }
  return out;
}
