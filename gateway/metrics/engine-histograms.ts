/**
 * The engine's own latency histograms and the Kafka Streams metrics the
 * exporter did not carry yet, in Prometheus format: per-hop end-to-end
 * latency (record time → each sink node's output, and → the commit that made
 * it readable), poll and punctuate latency, rebalances, tasks created and
 * closed, restore remaining records, record-cache hits and misses, the slowest
 * process call per node.
 *
 * The histograms are the engine's (runtime/metrics.ts, fixed buckets counted
 * in place on the hot path); this file only turns their counts into
 * cumulative `_bucket{le}`, `_sum` and `_count` series at scrape time, so
 * nothing is copied per record.
 *
 *   Kafka Streams                                   here
 *   processor-node record-e2e-latency-*             aura_stream_processor_node_record_e2e_latency_seconds{processor_node_id} (sinks)
 *   (none) record time → committed output           aura_stream_record_committed_e2e_latency_seconds
 *   stream-thread poll-latency-* / poll-total       aura_stream_thread_poll_latency_seconds, aura_stream_thread_poll_total
 *   stream-thread punctuate-latency-* / -total      aura_stream_thread_punctuate_latency_seconds, aura_stream_thread_punctuate_total
 *   consumer-coordinator rebalance-total            aura_stream_thread_rebalance_total
 *   stream-thread task-created / task-closed        aura_stream_thread_task_created_total, aura_stream_thread_task_closed_total
 *   state restore-remaining-records-total           aura_stream_state_restore_remaining_records
 *   record-cache hit-ratio                          aura_stream_record_cache_hit_ratio, aura_stream_record_cache_{hits,misses}_total{store_id}
 *   processor-node process-latency-max              aura_stream_processor_node_process_latency_max_ms{processor_node_id}
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StreamEngine } from '../../runtime/engine.js';
import { LATENCY_BOUNDS_MS, type LatencyHistogram } from '../../runtime/metrics.js';

type Labels = Record<string, string>;

/** A histogram series in prom-client's metric shape, read from engine histograms when scraped. */
function engineHistogram(registry: Registry, name: string, help: string, read: () => Array<[Labels, LatencyHistogram]>): void {
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    async get() {
      const values: Array<{ metricName: string; labels: Labels; value: number }> = [];
      for (const [labels, h] of read()) {
        let cumulative = 0;
        LATENCY_BOUNDS_MS.forEach((bound, i) => {
          cumulative += h.counts[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(bound / 1000) }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
        values.push({ metricName: `${name}_sum`, labels, value: h.sumMs / 1000 });
        values.push({ metricName: `${name}_count`, labels, value: h.count });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {},
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

export function registerEngineMetrics(registry: Registry, engine: StreamEngine): void {
  const r = [registry];
  const m = engine.metrics;
  engineHistogram(
    registry,
    'aura_stream_processor_node_record_e2e_latency_seconds',
    'Record timestamp (the publish, for gateway events) until the record left this sink node for its topic: each hop of the pipeline',
    () => [...m.nodes].filter(([, n]) => n.recordE2eLatency).map(([id, n]) => [{ processor_node_id: id }, n.recordE2eLatency!]),
  );
  engineHistogram(
    registry,
    'aura_stream_record_committed_e2e_latency_seconds',
    'Record timestamp until the commit that made the output readable (read_committed), per output record',
    () => [[{}, m.committedE2eLatency]],
  );
  engineHistogram(
    registry,
    'aura_stream_commit_phase_latency_seconds',
    'Time per phase of the commits (prepare, immediate, wait_previous, send, offsets, wait_commit, commit_transaction, state): where a commit goes',
    () => [...m.commitPhaseLatency].map(([phase, h]) => [{ phase }, h]),
  );
  engineHistogram(registry, 'aura_stream_thread_poll_latency_seconds', 'Poll latency (waiting for input included)', () => [[{}, m.pollLatency]]);
  engineHistogram(registry, 'aura_stream_thread_punctuate_latency_seconds', 'Punctuation latency', () => [[{}, m.punctuateLatency]]);

  const mirror = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: r,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  mirror('aura_stream_thread_poll_total', 'Polls', () => m.pollTotal);
  mirror('aura_stream_thread_punctuate_total', 'Punctuations', () => m.punctuateTotal);
  mirror('aura_stream_thread_rebalance_total', 'Rebalances (partition assignments) this instance took part in', () => m.rebalanceTotal);
  mirror('aura_stream_thread_task_created_total', 'Tasks created', () => m.taskCreatedTotal);
  mirror('aura_stream_thread_task_closed_total', 'Tasks closed', () => m.taskClosedTotal);

  new Gauge({
    name: 'aura_stream_state_restore_remaining_records',
    help: 'Changelog records still to restore before the restoring tasks process',
    registers: r,
    collect() {
      this.set(m.restoreRemainingRecords);
    },
  });
  new Gauge({
    name: 'aura_stream_record_cache_hit_ratio',
    help: 'Store reads answered by the record cache, over the stores of the running tasks (1 before any read)',
    registers: r,
    collect() {
      this.set(m.cacheHitRatio());
    },
  });
  const cache = (name: string, help: string, pick: (s: { cacheHits: number; cacheMisses: number }) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['store_id'],
      registers: r,
      collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const t of m.stateStores()) for (const s of t.stores) sums.set(s.store, (sums.get(s.store) ?? 0) + pick(s));
        for (const [store, n] of sums) this.inc({ store_id: store }, n);
      },
    });
  cache('aura_stream_record_cache_hits_total', 'Store reads answered by the record cache, per store (running tasks)', (s) => s.cacheHits);
  cache('aura_stream_record_cache_misses_total', 'Store reads that missed the record cache, per store (running tasks)', (s) => s.cacheMisses);
  new Gauge({
    name: 'aura_stream_processor_node_process_latency_max_ms',
    help: 'Slowest single process call per processor node since start',
    labelNames: ['processor_node_id'],
    registers: r,
    collect() {
      this.reset();
      for (const [id, n] of m.nodes) this.set({ processor_node_id: id }, n.processLatencyMsMax);
    },
  });
}
