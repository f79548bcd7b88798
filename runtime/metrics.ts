/**
 * The engine's metrics, named after Kafka Streams' (docs.confluent.io, "Kafka
 * Streams metrics"), for exporters to read: the gateway's Prometheus endpoint,
 * the topology page, the benchmarks. Plain numbers and fixed-bucket
 * histograms, updated in place: nothing here allocates per record, and only
 * per-record counters sit on the hot path (a Map lookup and a few adds).
 * Rates are derived by the exporter from the totals.
 *
 *   Kafka Streams                                   here
 *   processor-node process-total / -rate            nodes.get(id).processTotal
 *   processor-node process-latency-avg / -max       nodes.get(id).processLatencyMsTotal / processLatencyMsMax
 *   processor-node record-e2e-latency (terminal)    nodes.get(id).recordE2eLatency (sink nodes: each hop's output)
 *   stream-thread commit-total / -latency           commitTotal, commitLatency
 *   stream-thread poll-total / -latency             pollTotal, pollLatency
 *   stream-thread poll-records                      pollRecordsTotal
 *   stream-thread punctuate-total / -latency        punctuateTotal, punctuateLatency
 *   stream-thread task-created / task-closed        taskCreatedTotal, taskClosedTotal
 *   consumer-coordinator rebalance-total            rebalanceTotal
 *   task dropped-records-total                      droppedRecordsTotal (late records, windows with grace)
 *   task (dead letter / skip handlers)              deadLetterRecordsTotal, skippedRecordsTotal
 *   topic records-produced-total                    recordsProducedTotal (outputs, without changelogs)
 *   state restore-total                             restoreTotal
 *   state restore-remaining-records-total           restoreRemainingRecords
 *   record-cache hit-ratio                          cacheHitRatio() (from the stores, read when asked)
 *   (none) record timestamp → output committed      committedE2eLatency
 *   (none) time per commit phase                     commitPhaseLatency
 *   consumer records-lag                            lag
 */
import type { StoreMetrics } from '../state/types.js';

/** Upper bounds (ms) of the latency buckets; a last bucket takes everything above. */
export const LATENCY_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** A latency histogram over LATENCY_BOUNDS_MS (Prometheus-style cumulative buckets are derived from `counts`). */
export class LatencyHistogram {
  /** Observations per bucket: `counts[i]` ≤ LATENCY_BOUNDS_MS[i], the last one above every bound. */
  readonly counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get avgMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  /** The upper bound of the bucket holding quantile `q` (0..1); the max for the last bucket. */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i < LATENCY_BOUNDS_MS.length ? Math.min(LATENCY_BOUNDS_MS[i]!, this.maxMs) : this.maxMs;
    }
    return this.maxMs;
  }
}

export interface ProcessorNodeMetrics {
  processTotal: number;
  errorTotal: number;
  /** Time spent in the node (synchronous part; an asynchronous processor: its promise). */
  processLatencyMsTotal: number;
  processLatencyMsMax: number;
  /**
   * Sink nodes only: wall clock when the record leaves for its topic − the record's timestamp.
   * The gateway stamps records with their publish time, so this is publish → this hop's output.
   */
  recordE2eLatency?: LatencyHistogram;
}

/** The stores of one task, as state/ reports them. */
export interface TaskStoreMetrics {
  taskId: string;
  stores: StoreMetrics[];
}

export class EngineMetrics {
  readonly nodes = new Map<string, ProcessorNodeMetrics>();
  commitTotal = 0;
  readonly commitLatency = new LatencyHistogram();
  pollTotal = 0;
  readonly pollLatency = new LatencyHistogram();
  pollRecordsTotal = 0;
  recordsProducedTotal = 0;
  punctuateTotal = 0;
  readonly punctuateLatency = new LatencyHistogram();
  rebalanceTotal = 0;
  taskCreatedTotal = 0;
  taskClosedTotal = 0;
  droppedRecordsTotal = 0;
  deadLetterRecordsTotal = 0;
  skippedRecordsTotal = 0;
  restoreTotal = 0;
  restoreRemainingRecords = 0;
  /** Record timestamp → the commit that made the output visible, per output record (changelogs excluded). */
  readonly committedE2eLatency = new LatencyHistogram();
  /** Consumer lag per `topic:partition`, refreshed by the engine. */
  readonly lag = new Map<string, number>();
  /**
   * Where the commits' time goes, per phase (commit.ts, commit-pipeline.ts): prepare (processing
   * waits), immediate, wait_previous, send, offsets, wait_commit, commit_transaction, state.
   */
  readonly commitPhaseLatency = new Map<string, LatencyHistogram>();
  /** Called with the latency of every commit (an exporter's own histogram). */
  readonly commitObservers: Array<(ms: number) => void> = [];
  /** Set by the engine: the store metrics of the tasks running now. */
  stateStores: () => TaskStoreMetrics[] = () => [];

  node(id: string): ProcessorNodeMetrics {
    let m = this.nodes.get(id);
    if (!m) {
      m = { processTotal: 0, errorTotal: 0, processLatencyMsTotal: 0, processLatencyMsMax: 0 };
      this.nodes.set(id, m);
    }
    return m;
  }

  /** The end-to-end histogram of a sink node (created on first use). */
  sinkE2e(id: string): LatencyHistogram {
    const m = this.node(id);
    return (m.recordE2eLatency ??= new LatencyHistogram());
  }

  commitPhase(phase: string, ms: number): void {
    let h = this.commitPhaseLatency.get(phase);
    if (!h) this.commitPhaseLatency.set(phase, (h = new LatencyHistogram()));
    h.observe(ms);
  }

  recordCommit(ms: number): void {
    this.commitTotal++;
    this.commitLatency.observe(ms);
    for (const o of this.commitObservers) o(ms);
  }

  /** Cache hits / (hits + misses) over the stores of the running tasks; 1 when nothing was read yet. */
  cacheHitRatio(): number {
    let hits = 0;
    let misses = 0;
    for (const t of this.stateStores()) {
      for (const s of t.stores) {
        hits += s.cacheHits;
        misses += s.cacheMisses;
      }
    }
    return hits + misses === 0 ? 1 : hits / (hits + misses);
  }

  snapshot(): Record<string, unknown> {
    return {
      nodes: Object.fromEntries(this.nodes),
      commitTotal: this.commitTotal,
      pollRecordsTotal: this.pollRecordsTotal,
      recordsProducedTotal: this.recordsProducedTotal,
      deadLetterRecordsTotal: this.deadLetterRecordsTotal,
      skippedRecordsTotal: this.skippedRecordsTotal,
      droppedRecordsTotal: this.droppedRecordsTotal,
      restoreTotal: this.restoreTotal,
      rebalanceTotal: this.rebalanceTotal,
      lag: Object.fromEntries(this.lag),
    };
  }
}
