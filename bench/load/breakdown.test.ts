import { describe, expect, it } from 'vitest';
import { hopSummaries, parseHistograms, quantileMs, targetLines } from './breakdown.js';

const TEXT = `# TYPE aura_gateway_event_stage_latency_seconds histogram
aura_gateway_event_stage_latency_seconds_bucket{le="0.01",stage="ingested"} 0
aura_gateway_event_stage_latency_seconds_bucket{le="0.05",stage="ingested"} 50
aura_gateway_event_stage_latency_seconds_bucket{le="0.1",stage="ingested"} 100
aura_gateway_event_stage_latency_seconds_bucket{le="+Inf",stage="ingested"} 100
aura_gateway_event_stage_latency_seconds_sum{stage="ingested"} 5
aura_gateway_event_stage_latency_seconds_count{stage="ingested"} 100
aura_stream_processor_node_record_e2e_latency_seconds_bucket{processor_node_id="to_ingest",le="0.001"} 1
aura_stream_processor_node_record_e2e_latency_seconds_bucket{processor_node_id="to_ingest",le="+Inf"} 2
aura_stream_processor_node_record_e2e_latency_seconds_count{processor_node_id="to_ingest"} 2
aura_stream_processor_node_record_e2e_latency_seconds_sum{processor_node_id="to_ingest"} 9
aura_gateway_reply_records_total{source="engine"} 7
process_cpu_seconds_count 3
`;

describe('load test breakdown per hop', () => {
  it('reads histograms from /metrics and interpolates quantiles inside buckets, as histogram_quantile does', () => {
    const h = parseHistograms(TEXT);
    expect([...h.keys()].sort()).toEqual(['aura_gateway_event_stage_latency_seconds', 'aura_stream_processor_node_record_e2e_latency_seconds']);
    const ingested = h.get('aura_gateway_event_stage_latency_seconds')!.get('stage="ingested"')!;
    expect(ingested.count).toBe(100);
    expect(quantileMs(ingested, 0.5)).toBeCloseTo(50, 9);
    expect(quantileMs(ingested, 0.25)).toBeCloseTo(30, 9); // halfway between 10 and 50 ms
    expect(quantileMs(ingested, 0.99)).toBeCloseTo(99, 9);
    // In the +Inf bucket: the highest finite bound.
    expect(quantileMs(h.get('aura_stream_processor_node_record_e2e_latency_seconds')!.get('processor_node_id="to_ingest"')!, 0.99)).toBe(1);
    const rows = hopSummaries(TEXT);
    expect(rows.map((r) => r.name)).toEqual(['publish → to_ingest output', 'publish → status ingested stored']);
  });

  it("checks the client's p99 against the targets of the transport", () => {
    const s = (name: string, p99: number) => ({ name, count: 1, p50: 1, p95: 1, p99, max: 1 });
    const lines = targetLines([s('publish (HTTP 201)', 60), s('publish → ingested status', 120), s('advice → first chunk', 20)], 'kafka');
    expect(lines).toEqual([
      'MISSED publish (HTTP 201) p99 60.0 ms (target ≤ 50 ms, kafka)',
      'met    publish → ingested status p99 120.0 ms (target ≤ 150 ms, kafka)',
      'met    advice → first chunk p99 20.0 ms (target ≤ 100 ms, kafka)',
    ]);
    expect(targetLines([s('publish → ingested status', 120)], 'embedded')[0]).toMatch(/^MISSED publish → ingested status p99 120\.0 ms \(target ≤ 50 ms/);
  });
});
