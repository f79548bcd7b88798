/**
 * ops/grafana/*.json, checked against a real scrape: a gateway over the
 * default pipeline (embedded log, real engine) serves /metrics after events
 * went through it, and every metric a dashboard query or variable names —
 * and every label it groups or filters by — must be in that scrape. Also the
 * dashboard's shape: unique panel ids, a layout on Grafana's 24-column grid
 * without overlaps, a Prometheus datasource variable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from '../testing/support/gateway-harness.js';
import { exposedMetrics, scanPromql } from '../testing/support/promql.js';

const DIR = path.resolve(import.meta.dirname, 'grafana');
const dashboards = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
/** Labels Prometheus adds to every scraped series, and the bucket label of histograms. */
const IMPLICIT_LABELS = ['instance', 'job', 'le'];

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; legendFormat?: string }>;
}

let h: Harness;
let exposed: Map<string, Set<string>>;

beforeAll(async () => {
  h = await startHarness({ listen: true });
  for (const user of ['ana', 'ben']) {
    const res = await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers: await h.auth(user), body: JSON.stringify({ score: 6 }) });
    expect(res.status).toBe(201);
  }
  // A Guardian answer, waited for: its latency histogram gets samples (and labels) too.
  const advice = await fetch(`${h.url}/api/guardian/advice`, {
    method: 'POST',
    headers: { ...(await h.auth('ana')), prefer: 'wait=10' },
    body: JSON.stringify({ question: 'How can I sleep better?' }),
  });
  expect(advice.status).toBe(200);
  await eventually(() => (h.app.engine.metrics.commitTotal > 0 && h.gateway.deps.lag.lag.size > 0 ? true : undefined));
  h.gateway.deps.nodeStats.sample();
  const res = await fetch(`${h.url}/metrics`);
  expect(res.status).toBe(200);
  exposed = exposedMetrics(await res.text());
}, 60_000);
afterAll(async () => h?.close());

describe.each(dashboards)('ops/grafana/%s', (file) => {
  const dash = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: Array<{ name: string; type: string; query: unknown }> };
  };
  const queries = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('is a dashboard: uid, unique panel ids, every panel on the 24-column grid, none overlapping', () => {
    expect(dash.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dash.title).toBeTruthy();
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    for (const a of dash.panels) {
      for (const b of dash.panels) {
        if (a === b) continue;
        const g = a.gridPos;
        const o = b.gridPos;
        const apart = g.x + g.w <= o.x || o.x + o.w <= g.x || g.y + g.h <= o.y || o.y + o.h <= g.y;
        expect(apart, `${a.title} overlaps ${b.title}`).toBe(true);
      }
    }
    expect(dash.templating.list.find((v) => v.type === 'datasource')).toMatchObject({ name: 'datasource', query: 'prometheus' });
    expect(queries.length).toBeGreaterThan(20);
  });

  it('queries only metrics and labels a real /metrics scrape exports', () => {
    expect(exposed.has('aura_stream_processor_node_process_total')).toBe(true);
    const missing: string[] = [];
    const check = (where: string, expr: string) => {
      const { metrics, labels, problems } = scanPromql(expr);
      expect(problems, `${where}: ${expr}`).toEqual([]);
      expect(metrics.length, `${where}: ${expr}`).toBeGreaterThan(0);
      const known = new Set(IMPLICIT_LABELS);
      for (const m of metrics) {
        if (!exposed.has(m)) missing.push(`${where}: ${m}`);
        for (const l of exposed.get(m) ?? []) known.add(l);
      }
      for (const l of labels) if (!known.has(l)) missing.push(`${where}: label ${l} of ${metrics.join(', ')}`);
    };
    for (const q of queries) check(q.panel, q.expr);
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
      const m = /^label_values\((\w+),\s*(\w+)\)$/.exec((v.query as { query: string }).query);
      expect(m, `variable ${v.name}`).not.toBeNull();
      check(`variable ${v.name}`, m![1]!);
      expect([...(exposed.get(m![1]!) ?? []), ...IMPLICIT_LABELS]).toContain(m![2]);
    }
    expect(missing).toEqual([]);
  });

  it('shows where an event spends its time, hop by hop from the publish, and what issue 13 asks an operator sees', () => {
    const all = queries.map((q) => q.expr).join('\n');
    for (const m of [
      'aura_gateway_publish_latency_seconds_bucket',
      'aura_stream_processor_node_record_e2e_latency_seconds_bucket',
      'aura_stream_record_committed_e2e_latency_seconds_bucket',
      'aura_gateway_event_stage_latency_seconds_bucket',
      'aura_stream_thread_poll_latency_seconds_bucket',
      'aura_stream_thread_punctuate_latency_seconds_bucket',
      'aura_stream_thread_rebalance_total',
      'aura_stream_state_restore_remaining_records',
      'aura_stream_record_cache_hits_total',
      'aura_stream_task_dropped_records_total',
      'aura_stream_processor_node_process_total',
      'aura_stream_processor_node_process_latency_avg_ms',
    ]) {
      expect(all, m).toContain(m);
    }
    // Per hop: one series per sink node, not one line for the whole pipeline.
    expect(all).toMatch(/sum by \(le, processor_node_id\) \(rate\(aura_stream_processor_node_record_e2e_latency_seconds_bucket/);
    expect([...(exposed.get('aura_stream_processor_node_record_e2e_latency_seconds_bucket') ?? [])]).toContain('processor_node_id');
  });

  it('shows where the pipeline is backed up: lag, its growth, busy time per node, commits, restores', () => {
    const all = queries.map((q) => q.expr).join('\n');
    for (const m of [
      'aura_stream_consumer_records_lag',
      'aura_stream_processor_node_utilization_ratio',
      'aura_stream_thread_commit_latency_seconds_bucket',
      'aura_stream_state_restore_records_total',
      'aura_stream_thread_restoring_tasks',
    ]) {
      expect(all, m).toContain(m);
    }
    expect(all).toMatch(/deriv\(aura_stream_consumer_records_lag/);
  });
});
