/**
 * What one instance knows for the topology page: its nodes' rates, errors
 * and busy time with the last minutes of them (`/topology/instance`, which
 * peers fetch), and the consumer lag of the whole group per partition (every
 * instance reads the same committed offsets). Plain numbers; no user data.
 */
import type { GatewayDeps } from '../deps.js';
import type { NodeSeries } from '../metrics/node-stats.js';

export interface NodeNumbers {
  processed: number;
  errors: number;
  rate: number;
  errorRate: number;
  latencyAvgMs: number;
  busy: number;
  utilization: number;
}

export interface InstanceSnapshot {
  instance: string;
  at: number;
  tasks: string[];
  nodes: Record<string, NodeNumbers>;
  series: NodeSeries;
  totals: { recordsConsumed: number; recordsProduced: number; deadLetters: number; commits: number };
}

export function instanceSnapshot(d: GatewayDeps): InstanceSnapshot {
  const nodes: Record<string, NodeNumbers> = {};
  for (const [id, s] of d.nodeStats.snapshot()) {
    nodes[id] = { processed: s.processed, errors: s.errors, rate: s.rate, errorRate: s.errorRate, latencyAvgMs: s.latencyAvgMs, busy: s.busy, utilization: s.utilization };
  }
  const m = d.app.engine.metrics;
  return {
    instance: d.instanceId,
    at: d.now(),
    tasks: [...d.app.engine.tasks.keys()].sort(),
    nodes,
    series: d.nodeStats.series(),
    totals: { recordsConsumed: m.recordsConsumed, recordsProduced: m.recordsProduced, deadLetters: m.deadLetters, commits: m.commits },
  };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A peer's snapshot, checked field by field (a peer is another process: its answer is input). */
export function parseSnapshot(v: unknown, pipelineNodes: readonly string[]): InstanceSnapshot | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (typeof s.instance !== 'string' || !isNum(s.at) || !Array.isArray(s.tasks) || typeof s.nodes !== 'object' || s.nodes === null) return undefined;
  const nodes: Record<string, NodeNumbers> = {};
  for (const id of pipelineNodes) {
    const n = (s.nodes as Record<string, Record<string, unknown>>)[id];
    if (!n) continue;
    const fields = ['processed', 'errors', 'rate', 'errorRate', 'latencyAvgMs', 'busy', 'utilization'] as const;
    if (!fields.every((f) => isNum(n[f]) && (n[f] as number) >= 0)) return undefined;
    nodes[id] = Object.fromEntries(fields.map((f) => [f, n[f]])) as unknown as NodeNumbers;
  }
  const series = s.series as NodeSeries | undefined;
  const okSeries =
    series && isNum(series.start) && isNum(series.stepMs) && series.stepMs > 0 && typeof series.nodes === 'object' && series.nodes !== null
      ? { start: series.start, stepMs: series.stepMs, nodes: pickSeries(series.nodes, pipelineNodes) }
      : { start: 0, stepMs: 5_000, nodes: {} };
  const t = (s.totals ?? {}) as Record<string, unknown>;
  const total = (k: string) => (isNum(t[k]) ? (t[k] as number) : 0);
  return {
    instance: s.instance.slice(0, 200),
    at: s.at,
    tasks: s.tasks.filter((x): x is string => typeof x === 'string').slice(0, 10_000),
    nodes,
    series: okSeries,
    totals: { recordsConsumed: total('recordsConsumed'), recordsProduced: total('recordsProduced'), deadLetters: total('deadLetters'), commits: total('commits') },
  };
}

function pickSeries(raw: object, ids: readonly string[]): NodeSeries['nodes'] {
  const out: NodeSeries['nodes'] = {};
  for (const id of ids) {
    const x = (raw as Record<string, { rate?: unknown; busy?: unknown }>)[id];
    const list = (a: unknown) => (Array.isArray(a) ? a.slice(0, 600).map((v) => (isNum(v) ? v : 0)) : []);
    if (x) out[id] = { rate: list(x.rate), busy: list(x.busy) };
  }
  return out;
}
