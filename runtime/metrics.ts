/**
 * Engine counters, kept as plain numbers on the hot path (a Map lookup and an
 * add per record) and read by exporters: the gateway's Prometheus endpoint and
 * the topology page. Names follow Kafka Streams' metric groups
 * (processor-node, task, stream-thread).
 */
export interface NodeMetrics {
  processed: number;
  errors: number;
  latencyMsTotal: number;
}

export class EngineMetrics {
  readonly nodes = new Map<string, NodeMetrics>();
  deadLetters = 0;
  skipped = 0;
  droppedLate = 0;
  commits = 0;
  commitLatencyMsTotal = 0;
  commitLatencyMsMax = 0;
  recordsConsumed = 0;
  recordsProduced = 0;
  restoredRecords = 0;
  /** Sum of (commit time − record timestamp) over committed output records: end-to-end latency. */
  e2eLatencyMsTotal = 0;
  e2eSamples = 0;
  /** Consumer lag per `topic:partition`, refreshed by the engine. */
  readonly lag = new Map<string, number>();
  /** Listeners called with the latency of every commit (histograms). */
  readonly commitObservers: Array<(ms: number) => void> = [];

  node(id: string): NodeMetrics {
    let m = this.nodes.get(id);
    if (!m) {
      m = { processed: 0, errors: 0, latencyMsTotal: 0 };
      this.nodes.set(id, m);
    }
    return m;
  }

  recordCommit(ms: number): void {
    this.commits++;
    this.commitLatencyMsTotal += ms;
    if (ms > this.commitLatencyMsMax) this.commitLatencyMsMax = ms;
    for (const o of this.commitObservers) o(ms);
  }

  snapshot(): Record<string, unknown> {
    return {
      nodes: Object.fromEntries(this.nodes),
      deadLetters: this.deadLetters,
      skipped: this.skipped,
      droppedLate: this.droppedLate,
      commits: this.commits,
      recordsConsumed: this.recordsConsumed,
      recordsProduced: this.recordsProduced,
      restoredRecords: this.restoredRecords,
      lag: Object.fromEntries(this.lag),
    };
  }
}
