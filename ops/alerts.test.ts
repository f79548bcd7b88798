/**
 * ops/alerts.yml without promtool: the rule file's shape (groups, rules,
 * `for`, severity, annotations), PromQL that at least balances its brackets,
 * and — the part that breaks silently in production — metric and label names
 * that the gateway's exporter really serves: the names are read from a
 * GatewayMetrics rendered over fake engine sources, not from a list kept here.
 * Every alert links to an existing section of docs/runbooks.md and has a case
 * in ops/alerts.rules-test.yml (run by `promtool test rules` where installed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayMetrics, type MetricSources } from '../gateway/metrics/prometheus.js';
import { EngineMetrics } from '../runtime/metrics.js';
import { githubAnchors } from '../testing/support/markdown.js';
import { exposedMetrics, scanPromql } from '../testing/support/promql.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const rules = parse(fs.readFileSync(path.join(ROOT, 'ops/alerts.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<Record<string, any>> }> };
const all = rules.groups.flatMap((g) => g.rules);

/** Metric name → label names, from what the exporter renders. Histograms also answer to _bucket, _sum and _count. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const engine = {
    metrics: new EngineMetrics(),
    restoring: 0,
    tasks: new Map([
      ['0_0', { id: '0_0', options: { subtopology: { stores: ['user_context'] }, state: { getStore: () => ({ approximateCount: () => 3 }) } } }],
    ]),
  };
  const totals = { processed: 10, errors: 1, latencyMsTotal: 5 };
  const sources = {
    engine,
    nodes: {
      totals: () => new Map([['aggregate_context', totals]]),
      snapshot: () => new Map([['aggregate_context', { ...totals, rate: 1, errorRate: 0, latencyAvgMs: 1, busy: 0.1, utilization: 0.1 }]]),
    },
    lag: { lag: new Map([['aura360.user.events:0', 5]]) },
    wsClients: () => 1,
    pendingAdvice: () => 0,
  } as unknown as MetricSources;
  const metrics = new GatewayMetrics(sources);
  metrics.publishLatency.observe({ event_type: 'user.mood.created' }, 0.01);
  metrics.stageLatency.observe({ stage: 'aggregated' }, 0.01);
  metrics.guardianLatency.observe({ phase: 'final' }, 0.5);
  metrics.httpRequests.inc({ method: 'POST', route: '/api/holistic/mood-entries', status: '201' });
  engine.metrics.recordCommit(3);
  const { body } = await metrics.render();
  metrics.close();
  return exposedMetrics(body);
}

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];

/** Metric and label names of an expression; its brackets and ranges must be well formed. */
function scan(expr: string): { metrics: string[]; labels: string[] } {
  const { metrics, labels, problems } = scanPromql(expr);
  expect(problems, expr).toEqual([]);
  return { metrics, labels };
}

describe('ops/alerts.yml', () => {
  it('is a rule file: groups of rules with an expression, a duration, a severity and annotations', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
    for (const g of rules.groups) expect(g.name).toMatch(/^[\w-]+$/);
    for (const r of all) {
      expect(Object.keys(r).sort(), r.alert).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
      expect(r.alert).toMatch(/^Aura[A-Z]\w+$/);
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels.severity);
      expect(Object.keys(r.annotations).sort(), r.alert).toEqual(['description', 'runbook_url', 'summary']);
      for (const a of Object.values(r.annotations) as string[]) expect((a.match(/\{\{/g) ?? []).length, a).toBe((a.match(/\}\}/g) ?? []).length);
    }
  });

  it('uses only metric and label names the gateway exports (plus the target labels)', async () => {
    const exported = await exportedMetrics();
    expect(exported.has('aura_stream_consumer_records_lag')).toBe(true); // the fake sources did produce samples
    for (const r of all) {
      const { metrics, labels } = scan(r.expr);
      expect(metrics.length, r.alert).toBeGreaterThan(0);
      const known = new Set(TARGET_LABELS);
      for (const m of metrics) {
        if (m === 'up') continue; // Prometheus' own per-target series
        expect(exported.has(m), `${r.alert}: ${m} is not exported by gateway/metrics/prometheus.ts`).toBe(true);
        for (const l of exported.get(m)!) known.add(l);
      }
      for (const l of labels) expect(known.has(l), `${r.alert}: no label "${l}" on ${metrics.join(', ')}`).toBe(true);
      for (const m of JSON.stringify(r.annotations).matchAll(/\$labels\.(\w+)/g)) expect(known.has(m[1]!), `${r.alert}: annotation label ${m[1]}`).toBe(true);
    }
  });

  it('covers what the plan asks: lag over 1000, error rate over 1 %, dead letters, restores in progress', () => {
    const find = (metric: string) => all.find((r) => r.expr.includes(metric));
    expect(find('aura_stream_consumer_records_lag')!.expr).toMatch(/> 1000\s*$/);
    const errors = find('aura_stream_processor_node_errors_total')!.expr;
    expect(errors).toContain('aura_stream_processor_node_process_total');
    expect(errors).toMatch(/> 0\.01\s*$/);
    expect(find('aura_stream_task_dead_letter_records_total')!.expr).toMatch(/increase\(.*\) > 0/);
    expect(find('aura_stream_thread_restoring_tasks')!.expr).toMatch(/> 0\s*$/);
  });

  it('links every alert to a section of docs/runbooks.md and has a promtool test case for it', () => {
    const anchors = githubAnchors(fs.readFileSync(path.join(ROOT, 'docs/runbooks.md'), 'utf8'));
    for (const r of all) {
      const m = /^docs\/runbooks\.md#([\w-]+)$/.exec(r.annotations.runbook_url);
      expect(m, r.alert).not.toBeNull();
      expect(anchors, r.alert).toContain(m![1]);
    }
    const tests = parse(fs.readFileSync(path.join(ROOT, 'ops/alerts.rules-test.yml'), 'utf8')) as {
      rule_files: string[];
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    expect(tests.rule_files).toEqual(['alerts.yml']);
    const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...firing].sort()).toEqual(all.map((r) => r.alert).sort());
  });
});
