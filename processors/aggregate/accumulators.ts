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
  add(acc: Acc | undefined, record: unknown): Acc;
  merge(a: Acc | undefined, b: Acc | undefined): Acc;
  result(acc: Acc | undefined): unknown;
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
    return acc.v;
  };
  return { name, op: c.op, add, merge, result };
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
