/**
 * What one instance knows for the topology page: its nodes' rates, errors
 * and busy time with the last minutes of them (`/topology/instance`, which
 * peers fetch), and the consumer lag of the whole group per partition (every
 * instance reads the same committed offsets). Plain numbers; no user data.
 */
import type { EngineMetrics } from '../../runtime/metrics.js';
import { type EngineTotals, EngineTotalsSchema } from '../../schemas/ws/topology-messages.js';
import type { GatewayDeps } from '../deps.js';
import { type InstanceSnapshot, type NodeNumbers, NodeNumbersSchema, type NodeSeries } from './schemas.js';

export type { InstanceSnapshot, NodeNumbers } from './schemas.js';

/** The numbers of a node in a snapshot (every one a non-negative number). */
const NUMBERS = Object.keys(NodeNumbersSchema.properties) as Array<keyof NodeNumbers>;
/** The engine's totals in a snapshot. */
export const TOTALS = Object.keys(EngineTotalsSchema.properties) as Array<keyof EngineTotals>;

export function instanceSnapshot(d: GatewayDeps): InstanceSnapshot {
  const nodes: Record<string, NodeNumbers> = {};
  for (const [id, s] of d.nodeStats.snapshot()) {
    nodes[id] = Object.fromEntries(NUMBERS.map((f) => [f, s[f]])) as NodeNumbers;
  }
  return {
    instance: d.instanceId,
    at: d.now(),
    tasks: [...d.app.engine.tasks.keys()].sort(),
    nodes,
    series: d.nodeStats.series(),
    totals: engineTotals(d.app.engine.metrics),
  };
}

/** The engine's totals under the names of the topology messages (schemas/ws/topology-messages.ts). */
export function engineTotals(m: EngineMetrics): EngineTotals {
  return { recordsConsumed: m.pollRecordsTotal, recordsProduced: m.recordsProducedTotal, deadLetters: m.deadLetterRecordsTotal, commits: m.commitTotal };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Every number of a snapshot is a count, a rate or a ratio: never negative. */
const isCount = (v: unknown): v is number => isNum(v) && v >= 0;
/** Within the bounds its schema declares (utilization: at most 1). */
const inBounds = (f: keyof NodeNumbers, v: unknown): v is number =>
  isCount(v) && v <= ((NodeNumbersSchema.properties[f] as { maximum?: number }).maximum ?? Infinity);

/**
 * A peer's snapshot, checked field by field against the bounds of its schema (a peer is another
 * process: its answer is input). Lenient where an older or newer peer may differ — extra fields
 * are dropped, missing sparklines and totals read as none — so a rolling upgrade keeps the page.
 */
export function parseSnapshot(v: unknown, pipelineNodes: readonly string[]): InstanceSnapshot | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (typeof s.instance !== 'string' || !isCount(s.at) || !Array.isArray(s.tasks) || typeof s.nodes !== 'object' || s.nodes === null) return undefined;
  const nodes: Record<string, NodeNumbers> = {};
  for (const id of pipelineNodes) {
    const n = (s.nodes as Record<string, Record<string, unknown>>)[id];
    if (!n) continue;
    if (!NUMBERS.every((f) => inBounds(f, n[f]))) return undefined;
    nodes[id] = Object.fromEntries(NUMBERS.map((f) => [f, n[f]])) as NodeNumbers;
  }
  const series = s.series as NodeSeries | undefined;
  const okSeries =
    series && isCount(series.start) && isCount(series.stepMs) && series.stepMs > 0 && typeof series.nodes === 'object' && series.nodes !== null
      ? { start: series.start, stepMs: series.stepMs, nodes: pickSeries(series.nodes, pipelineNodes) }
      : { start: 0, stepMs: 5_000, nodes: {} };
  const t = (s.totals ?? {}) as Record<string, unknown>;
  const total = (k: string) => (isCount(t[k]) ? t[k] : 0);
  return {
    instance: s.instance.slice(0, 200),
    at: s.at,
    tasks: s.tasks.filter((x): x is string => typeof x === 'string').slice(0, 10_000),
    nodes,
    series: okSeries,
    totals: Object.fromEntries(TOTALS.map((k) => [k, total(k)])) as EngineTotals,
  };
}

function pickSeries(raw: object, ids: readonly string[]): NodeSeries['nodes'] {
  const out: NodeSeries['nodes'] = {};
  for (const id of ids) {
    const x = (raw as Record<string, { rate?: unknown; busy?: unknown }>)[id];
    const list = (a: unknown) => (Array.isArray(a) ? a.slice(0, 600).map((v) => (isCount(v) ? v : 0)) : []);
    if (x) out[id] = { rate: list(x.rate), busy: list(x.busy) };
  }
  return out;
}
