/** Health, readiness and the Prometheus endpoint, with numbers that follow the traffic. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from '../../testing/support/gateway-harness.js';
import { TestSocket, wsUrl } from '../../testing/support/ws-client.js';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('ops endpoints', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ listen: true });
  });
  afterAll(async () => h?.close());

  it('answers /healthz and, once the engine runs with its tasks, /readyz', async () => {
    expect((await h.gateway.app.request('/healthz')).status).toBe(200);
    const ready = await eventually(async () => {
      const r = await h.gateway.app.request('/readyz');
      return r.status === 200 ? ((await r.json()) as { checks: Record<string, boolean>; tasks: number }) : undefined;
    });
    expect(Object.values(ready.checks).every(Boolean)).toBe(true);
    expect(ready.tasks).toBeGreaterThan(0);
  });

  it('is not ready while the engine is not running', async () => {
    const idle = await startHarness({ engine: false });
    try {
      const r = await idle.gateway.app.request('/readyz');
      expect(r.status).toBe(503);
      const body = (await r.json()) as { ready: boolean; checks: Record<string, boolean> };
      expect(body.ready).toBe(false);
      expect(body.checks.transport_connected).toBe(false);
      expect(body.checks.tasks_assigned).toBe(false);
    } finally {
      await idle.close();
    }
  });

  it('exposes per-node totals, lag, store sizes, latencies and WebSocket clients', async () => {
    const socket = await TestSocket.connect(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${await h.token('ana')}`]);
    const headers = await h.auth('ana');
    let last = '';
    for (let i = 0; i < 5; i++) {
      const r = await h.gateway.app.request('/api/holistic/mood-entries/', { method: 'POST', headers, body: JSON.stringify({ score: 1 + i }) });
      last = ((await r.json()) as { id: string }).id;
    }
    await socket.waitFor((m) => m.event_id === last && m.status === 'ingested');
    const res = await h.gateway.app.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'aura_stream_processor_node_process_total', { processor_node_id: 'aggregate_context' })).toBe(5);
    // The aggregate emits on commit (pipeline.yaml): events of one commit become one context to ingest.
    const ingested = sample(text, 'aura_stream_processor_node_process_total', { processor_node_id: 'ingest_vectors' });
    expect(ingested).toBeGreaterThanOrEqual(1);
    expect(ingested).toBeLessThanOrEqual(5);
    expect(sample(text, 'aura_stream_processor_node_errors_total', { processor_node_id: 'vectorize_context' })).toBe(0);
    expect(sample(text, 'aura_gateway_publish_latency_seconds_count', { event_type: 'user.mood.created' })).toBe(5);
    expect(sample(text, 'aura_gateway_event_stage_latency_seconds_count', { stage: 'ingested' })).toBe(5);
    expect(sample(text, 'aura_gateway_websocket_clients')).toBe(1);
    expect(sample(text, 'aura_stream_thread_commit_total')).toBeGreaterThan(0);
    const st = h.pipeline.subtopologies.find((s) => s.stores.includes('user_context'))!;
    const task = `${st.id}_${h.transport.partitionFor('ana', st.partitions)}`;
    expect(sample(text, 'aura_stream_state_store_entries', { store_id: 'user_context', task_id: task })).toBe(1);
    await h.gateway.deps.lag.refresh();
    const lagText = await (await h.gateway.app.request('/metrics')).text();
    expect(sample(lagText, 'aura_stream_consumer_records_lag', { topic: 'aura360.user.events', partition: String(h.transport.partitionFor('ana', 6)) })).toBe(
      0,
    );
    expect(lagText).toMatch(/aura_gateway_http_requests_total\{method="POST",route="\/api\/holistic\/mood-entries",status="201"\} 5/);
    socket.close();
  });
});
