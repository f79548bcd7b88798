/**
 * Per-node counters of the engine turned into rates, sampled once a second
 * (the topology page and the `_rate` gauges read the latest sample), with the
 * last minutes kept for sparklines. Processor, join and sink nodes are counted
 * by the engine's metrics; source nodes only per task, so those are summed
 * over the tasks running here.
 *
 * Busy time: records travel synchronously from a node into its children, so
 * a node's measured latency includes its synchronous children's. Its own
 * share — milliseconds per second spent in the node itself, 1.0 = always
 * busy — is its latency minus theirs. An asynchronous node's is the average
 * number of records in flight (measured when they complete); `utilization`
 * divides that — or the records its lanes hold right now, when more: a lane
 * whose records take long shows no completions at all — by what its lanes
 * allow here (concurrency × tasks), capped at 1.0, so both kinds read 1.0
 * when saturated.
 */

import type { StreamEngine } from '../../runtime/engine.js';
import { taskSubtopologyId } from '../../runtime/task-units.js';
import type { NodeStat, NodeTotals } from '../../schemas/ws/topology-messages.js';
import type { Pipeline } from '../../topology/model.js';
import type { NodeSeries } from '../topology/schemas.js';

// The numbers are declared once, with their meaning, in schemas/ws/topology-messages.ts (the
// topology snapshot's contract) and gateway/topology/schemas.ts (the sparklines).
export type { NodeSeries, NodeStat, NodeTotals };

const HISTORY = 300;

export class NodeStats {
  private previous = new Map<string, NodeTotals>();
  private previousAt = 0;
  private latest = new Map<string, NodeStat>();
  private readonly history: Array<{ at: number; stats: Map<string, NodeStat> }> = [];
  /** Children per node: the synchronous ones' latency is inside the parent's. */
  private readonly children = new Map<string, string[]>();
  /** Nodes seen with lanes in a running task: asynchronous processors. */
  private readonly asyncNodes = new Set<string>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly engine: StreamEngine,
    private readonly now: () => number = () => performance.now(),
    private readonly wallClock: () => number = Date.now,
  ) {
    for (const e of pipeline.edges) this.children.set(e.from, [...(this.children.get(e.from) ?? []), e.to]);
  }

  totals(): Map<string, NodeTotals> {
    const out = new Map<string, NodeTotals>();
    const { nodes } = this.engine.metrics;
    for (const id of Object.keys(this.pipeline.nodes)) {
      const m = nodes.get(id);
      out.set(
        id,
        m ? { processed: m.processTotal, errors: m.errorTotal, latencyMsTotal: m.processLatencyMsTotal } : { processed: 0, errors: 0, latencyMsTotal: 0 },
      );
    }
    return out;
  }

  /** Takes a sample; rates are per second since the previous one. */
  sample(): Map<string, NodeStat> {
    const t = this.now();
    const totals = this.totals();
    // Asynchronous processors run in lanes (runtime/node.ts): what a running task says.
    for (const task of this.engine.tasks.values()) for (const [id, node] of task.nodes) if (node.lane) this.asyncNodes.add(id);
    const dt = this.previousAt > 0 ? (t - this.previousAt) / 1000 : 0;
    // Totals drop when tasks move away (source counts are per task): that interval reads as 0, not negative.
    const delta = (id: string, pick: (x: NodeTotals) => number) => {
      const prev = this.previous.get(id);
      return prev && dt > 0 ? Math.max(0, pick(totals.get(id)!) - pick(prev)) : 0;
    };
    const next = new Map<string, NodeStat>();
    for (const [id, cur] of totals) {
      const syncChildren = (this.children.get(id) ?? []).filter((c) => !this.asyncNodes.has(c));
      const own = delta(id, (x) => x.latencyMsTotal) - syncChildren.reduce((s, c) => s + delta(c, (x) => x.latencyMsTotal), 0);
      const busy = dt > 0 ? Math.max(0, own) / 1000 / dt : 0;
      const load = this.asyncNodes.has(id) ? Math.max(busy, this.inLanes(id)) : busy;
      next.set(id, {
        ...cur,
        rate: dt > 0 ? delta(id, (x) => x.processed) / dt : 0,
        errorRate: dt > 0 ? delta(id, (x) => x.errors) / dt : 0,
        latencyAvgMs: cur.processed > 0 ? cur.latencyMsTotal / cur.processed : 0,
        busy,
        utilization: Math.min(1, load / this.capacity(id)),
      });
    }
    this.previous = totals;
    this.previousAt = t;
    this.latest = next;
    this.history.push({ at: this.wallClock(), stats: next });
    if (this.history.length > HISTORY) this.history.shift();
    return next;
  }

  snapshot(): Map<string, NodeStat> {
    return this.latest;
  }

  /** Rate and busy time per node, averaged per `stepMs` bucket over (at most) the last `points` buckets. */
  series(stepMs = 2_000, points = 150): NodeSeries {
    const end = Math.floor(this.wallClock() / stepMs);
    // From the first sample on (a fresh instance has a shorter history, not a row of zeros).
    const first = this.history.length > 0 ? Math.floor(this.history[0]!.at / stepMs) : end;
    const start = Math.max(end - points + 1, first);
    points = end - start + 1;
    const nodes: NodeSeries['nodes'] = {};
    const sums = new Map<string, { rate: number[]; busy: number[]; n: number[] }>();
    for (const id of Object.keys(this.pipeline.nodes))
      sums.set(id, { rate: new Array(points).fill(0), busy: new Array(points).fill(0), n: new Array(points).fill(0) });
    for (const { at, stats } of this.history) {
      const i = Math.floor(at / stepMs) - start;
      if (i < 0 || i >= points) continue;
      for (const [id, s] of stats) {
        const x = sums.get(id);
        if (!x) continue;
        x.rate[i]! += s.rate;
        x.busy[i]! += s.busy;
        x.n[i]!++;
      }
    }
    for (const [id, x] of sums)
      nodes[id] = { rate: x.rate.map((v, i) => round(x.n[i] ? v / x.n[i]! : 0)), busy: x.busy.map((v, i) => round(x.n[i] ? v / x.n[i]! : 0)) };
    return { start: start * stepMs, stepMs, nodes };
  }

  /** Records queued or running in the node's lanes, over the tasks running here. */
  private inLanes(id: string): number {
    let n = 0;
    for (const task of this.engine.tasks.values()) n += task.nodes.get(id)?.lane?.size ?? 0;
    return n;
  }

  /** What the node can do here: one thread for a synchronous node, its lanes for an asynchronous one. */
  private capacity(id: string): number {
    if (!this.asyncNodes.has(id)) return 1;
    const st = this.pipeline.subtopologies.find((s) => s.nodes.includes(id));
    let tasks = 0;
    // A fused sub-topology runs in the tasks of its chain's head (runtime/task-units.ts).
    const prefix = st ? `${taskSubtopologyId(st)}_` : undefined;
    for (const taskId of this.engine.tasks.keys()) if (prefix && taskId.startsWith(prefix)) tasks++;
    return Math.max(1, (this.pipeline.nodes[id]?.concurrency ?? 1) * Math.max(1, tasks));
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
