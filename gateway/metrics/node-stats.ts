/**
 * Per-node counters of the engine turned into rates, sampled once a second
 * (the topology page and the `_rate` gauges read the latest sample). Processor,
 * join and sink nodes are counted by the engine's metrics; source nodes only
 * per task, so those are summed over the tasks running here.
 */
import type { StreamEngine } from '../../runtime/engine.js';
import type { Pipeline } from '../../topology/model.js';

export interface NodeTotals {
  processed: number;
  errors: number;
  latencyMsTotal: number;
}

export interface NodeStat extends NodeTotals {
  /** Records per second over the last sample interval. */
  rate: number;
  errorRate: number;
  latencyAvgMs: number;
}

export class NodeStats {
  private previous = new Map<string, NodeTotals>();
  private previousAt = 0;
  private latest = new Map<string, NodeStat>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly engine: StreamEngine,
    private readonly now: () => number = () => performance.now(),
  ) {}

  totals(): Map<string, NodeTotals> {
    const out = new Map<string, NodeTotals>();
    const { nodes } = this.engine.metrics;
    for (const id of Object.keys(this.pipeline.nodes)) {
      const m = nodes.get(id);
      out.set(id, m ? { processed: m.processTotal, errors: m.errorTotal, latencyMsTotal: m.processLatencyMsTotal } : { processed: 0, errors: 0, latencyMsTotal: 0 });
    }
    return out;
  }

  /** Takes a sample; rates are per second since the previous one. */
  sample(): Map<string, NodeStat> {
    const t = this.now();
    const totals = this.totals();
    const dt = this.previousAt > 0 ? (t - this.previousAt) / 1000 : 0;
    const next = new Map<string, NodeStat>();
    for (const [id, cur] of totals) {
      const prev = this.previous.get(id);
      // Totals drop when tasks move away (source counts are per task): that interval reads as 0, not negative.
      const rate = prev && dt > 0 ? Math.max(0, cur.processed - prev.processed) / dt : 0;
      const errorRate = prev && dt > 0 ? Math.max(0, cur.errors - prev.errors) / dt : 0;
      next.set(id, { ...cur, rate, errorRate, latencyAvgMs: cur.processed > 0 ? cur.latencyMsTotal / cur.processed : 0 });
    }
    this.previous = totals;
    this.previousAt = t;
    this.latest = next;
    return next;
  }

  snapshot(): Map<string, NodeStat> {
    return this.latest;
  }
}
