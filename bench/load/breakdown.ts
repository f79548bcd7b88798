/**
 * Where the time of the load test went, hop by hop, read from the server's
 * /metrics after the run (Prometheus histograms: quantiles interpolated inside
 * their bucket as `histogram_quantile` does, so they are estimates), and the
 * latency targets of issue 12 checked against the client's own figures.
 *
 *   publish → acknowledged            aura_gateway_publish_latency_seconds
 *   publish → <sink node> output      aura_stream_processor_node_record_e2e_latency_seconds{processor_node_id}
 *   publish → output committed        aura_stream_record_committed_e2e_latency_seconds
 *   publish → status <stage> stored   aura_gateway_event_stage_latency_seconds{stage}
 *   advice → first chunk / final      aura_gateway_guardian_latency_seconds{phase}
 *   commit, poll                      aura_stream_thread_{commit,poll}_latency_seconds
 *   commit phase <phase>              aura_stream_commit_phase_latency_seconds{phase}
 */
import type { Summary } from './stats.js';

export interface Histogram {
  /** Upper bounds (seconds; Infinity last) and cumulative counts. */
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
}

/** Histograms of a Prometheus text exposition by metric name, then by their labels other than `le` (`a="x",b="y"`; '' when none). */
export function parseHistograms(text: string): Map<string, Map<string, Histogram>> {
  const out = new Map<string, Map<string, Histogram>>();
  const get = (name: string, labels: string) => {
    let byLabels = out.get(name);
    if (!byLabels) out.set(name, (byLabels = new Map()));
    let h = byLabels.get(labels);
    if (!h) byLabels.set(labels, (h = { buckets: [], count: 0, sum: 0 }));
    return h;
  };
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(bucket|sum|count)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, part, rawLabels = '', value] = m;
    const pairs = [...rawLabels.matchAll(/(\w+)="([^"]*)"/g)];
    const labels = pairs
      .filter((p) => p[1] !== 'le')
      .map((p) => `${p[1]}="${p[2]}"`)
      .join(',');
    const h = get(name!, labels);
    if (part === 'bucket') {
      const le = pairs.find((p) => p[1] === 'le')?.[2];
      if (le !== undefined) h.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: Number(value) });
    } else if (part === 'sum') h.sum = Number(value);
    else h.count = Number(value);
  }
  // Summaries and gauges that merely end in _count/_sum have no buckets: not histograms.
  for (const [name, byLabels] of out) {
    for (const [labels, h] of byLabels) if (h.buckets.length === 0) byLabels.delete(labels);
    if (byLabels.size === 0) out.delete(name);
  }
  for (const byLabels of out.values()) for (const h of byLabels.values()) h.buckets.sort((a, b) => a.le - b.le);
  return out;
}

/** The q-quantile in milliseconds, interpolated linearly in its bucket (the highest finite bound when it falls in +Inf). */
export function quantileMs(h: Histogram, q: number): number {
  if (h.count === 0) return Number.NaN;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower * 1000;
      const inBucket = b.count - below;
      return (lower + (b.le - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket)) * 1000;
    }
    if (b.le !== Infinity) lower = b.le;
    below = b.count;
  }
  return lower * 1000;
}

const HOPS: Array<{ metric: string; label?: string; name: (value: string) => string }> = [
  { metric: 'aura_gateway_publish_latency_seconds', label: 'event_type', name: (v) => `publish → acknowledged (${v})` },
  { metric: 'aura_stream_processor_node_record_e2e_latency_seconds', label: 'processor_node_id', name: (v) => `publish → ${v} output` },
  { metric: 'aura_stream_record_committed_e2e_latency_seconds', name: () => 'publish → output committed' },
  { metric: 'aura_gateway_event_stage_latency_seconds', label: 'stage', name: (v) => `publish → status ${v} stored` },
  { metric: 'aura_gateway_guardian_latency_seconds', label: 'phase', name: (v) => `advice → ${v.replace('_', ' ')} stored` },
  { metric: 'aura_stream_thread_commit_latency_seconds', name: () => 'commit' },
  { metric: 'aura_stream_commit_phase_latency_seconds', label: 'phase', name: (v) => `commit phase ${v}` },
  { metric: 'aura_stream_thread_poll_latency_seconds', name: () => 'poll (wait included)' },
];

/** One row per hop (server side), in the order an event crosses them. */
export function hopSummaries(metricsText: string): Summary[] {
  const hist = parseHistograms(metricsText);
  const rows: Summary[] = [];
  for (const hop of HOPS) {
    const byLabels = hist.get(hop.metric);
    if (!byLabels) continue;
    for (const [labels, h] of [...byLabels].sort(([a], [b]) => a.localeCompare(b))) {
      if (h.count === 0) continue;
      const value = hop.label ? (new RegExp(`${hop.label}="([^"]*)"`).exec(labels)?.[1] ?? labels) : '';
      rows.push({ name: hop.name(value), count: h.count, p50: quantileMs(h, 0.5), p95: quantileMs(h, 0.95), p99: quantileMs(h, 0.99), max: Number.NaN });
    }
  }
  return rows;
}

/** Issue 12's p99 targets (ms) for the client's figures, per transport. */
export const LATENCY_TARGETS: Record<'embedded' | 'kafka', Record<string, number>> = {
  embedded: { 'publish → ingested status': 50, 'advice → first chunk': 30 },
  kafka: { 'publish (HTTP 201)': 50, 'publish → ingested status': 150, 'advice → first chunk': 100 },
};

export function targetLines(summaries: Summary[], transport: 'embedded' | 'kafka'): string[] {
  return Object.entries(LATENCY_TARGETS[transport]).map(([name, target]) => {
    const p99 = summaries.find((s) => s.name === name)?.p99 ?? Number.NaN;
    return `${p99 <= target ? 'met   ' : 'MISSED'} ${name} p99 ${Number.isNaN(p99) ? '-' : p99.toFixed(1)} ms (target ≤ ${target} ms, ${transport})`;
  });
}
