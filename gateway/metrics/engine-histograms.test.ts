/**
 * The engine's histograms and counters as /metrics renders them: cumulative
 * buckets in seconds that add up to the observations, one series per sink
 * node for the per-hop latency, and the Kafka Streams metrics of issue 13
 * read live from the engine at each scrape.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { StreamEngine } from '../../runtime/engine.js';
import { EngineMetrics, LATENCY_BOUNDS_MS } from '../../runtime/metrics.js';
import { registerEngineMetrics } from './engine-histograms.js';

function setup() {
  const metrics = new EngineMetrics();
  const registry = new Registry();
  registerEngineMetrics(registry, { metrics } as unknown as StreamEngine);
  const scrape = async () => {
    const body = await registry.metrics();
    const value = (series: string): number => {
      const line = body.split('\n').find((l) => l.startsWith(`${series} `));
      if (!line) throw new Error(`no ${series} in\n${body}`);
      return Number(line.slice(series.length + 1));
    };
    return { body, value };
  };
  return { metrics, scrape };
}

describe('engine metrics in Prometheus format', () => {
  it('renders each sink node’s end-to-end histogram as cumulative buckets in seconds, with sum and count', async () => {
    const { metrics, scrape } = setup();
    const samples = [0.5, 3, 3, 40, 120, 20_000];
    for (const ms of samples) metrics.sinkE2e('to_aggregated').observe(ms);
    metrics.sinkE2e('to_ingest').observe(7);
    const { body, value } = await scrape();
    const name = 'aura_stream_processor_node_record_e2e_latency_seconds';
    expect(body).toContain(`# TYPE ${name} histogram`);
    for (const bound of LATENCY_BOUNDS_MS) {
      const expected = samples.filter((s) => s <= bound).length;
      expect(value(`${name}_bucket{processor_node_id="to_aggregated",le="${bound / 1000}"}`), `le ${bound}`).toBe(expected);
    }
    expect(value(`${name}_bucket{processor_node_id="to_aggregated",le="+Inf"}`)).toBe(samples.length);
    expect(value(`${name}_count{processor_node_id="to_aggregated"}`)).toBe(samples.length);
    expect(value(`${name}_sum{processor_node_id="to_aggregated"}`)).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / 1000, 9);
    expect(value(`${name}_bucket{processor_node_id="to_ingest",le="0.01"}`)).toBe(1);
    expect(value(`${name}_bucket{processor_node_id="to_ingest",le="0.005"}`)).toBe(0);
    // Nodes without an end-to-end histogram (processors) have no series.
    metrics.node('aggregate_context').processTotal = 3;
    expect((await scrape()).body).not.toContain('processor_node_id="aggregate_context",le=');
  });

  it('reads poll, commit-visible and punctuation latency, rebalances, tasks, restores, cache and slowest call at scrape time', async () => {
    const { metrics, scrape } = setup();
    metrics.pollTotal = 4;
    for (const ms of [0.2, 60, 60, 2]) metrics.pollLatency.observe(ms);
    metrics.committedE2eLatency.observe(30);
    metrics.punctuateTotal = 2;
    metrics.punctuateLatency.observe(1);
    metrics.rebalanceTotal = 3;
    metrics.taskCreatedTotal = 6;
    metrics.taskClosedTotal = 2;
    metrics.restoreRemainingRecords = 1234;
    metrics.node('vectorize_context').processLatencyMsMax = 42.5;
    const store = (store: string, cacheHits: number, cacheMisses: number) => ({ store, cacheHits, cacheMisses }) as never;
    metrics.stateStores = () => [
      { taskId: '0_0', stores: [store('user_context', 30, 10)] },
      { taskId: '0_1', stores: [store('user_context', 10, 0)] },
    ];
    let { value } = await scrape();
    expect(value('aura_stream_thread_poll_total')).toBe(4);
    expect(value('aura_stream_thread_poll_latency_seconds_bucket{le="0.05"}')).toBe(2);
    expect(value('aura_stream_thread_poll_latency_seconds_bucket{le="0.075"}')).toBe(4);
    expect(value('aura_stream_record_committed_e2e_latency_seconds_count')).toBe(1);
    expect(value('aura_stream_thread_punctuate_total')).toBe(2);
    expect(value('aura_stream_thread_punctuate_latency_seconds_count')).toBe(1);
    expect(value('aura_stream_thread_rebalance_total')).toBe(3);
    expect(value('aura_stream_thread_task_created_total')).toBe(6);
    expect(value('aura_stream_thread_task_closed_total')).toBe(2);
    expect(value('aura_stream_state_restore_remaining_records')).toBe(1234);
    expect(value('aura_stream_processor_node_process_latency_max_ms{processor_node_id="vectorize_context"}')).toBe(42.5);
    expect(value('aura_stream_record_cache_hits_total{store_id="user_context"}')).toBe(40);
    expect(value('aura_stream_record_cache_misses_total{store_id="user_context"}')).toBe(10);
    expect(value('aura_stream_record_cache_hit_ratio')).toBeCloseTo(0.8, 9);
    // Live: the next scrape sees the engine's new numbers, nothing was copied.
    metrics.restoreRemainingRecords = 0;
    metrics.rebalanceTotal = 4;
    ({ value } = await scrape());
    expect(value('aura_stream_state_restore_remaining_records')).toBe(0);
    expect(value('aura_stream_thread_rebalance_total')).toBe(4);
  });
});
