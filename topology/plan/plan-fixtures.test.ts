/**
 * Every change kind `aura plan` knows, as a pair of pipelines under
 * topology/fixtures/plan/<case>/ (before.yaml as deployed, after.yaml as
 * edited). after.yaml declares the plan it must produce, one line per
 * finding (or per change without findings):
 *   # expect: <+|~|-> <subject> <id> <file>:<line>:<col> <safe|breaking> [CODE]
 *   # verdict: none | safe | breaking
 * `# schemas-dir: <dir>` points a pipeline at its own event schemas,
 * `# client-topics: a, b` names the topics clients publish to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../compile.js';
import type { SourceLocation } from '../model.js';
import { PlanCodes } from './codes.js';
import { buildDeployment, type Deployment } from './deployment.js';
import { changeHeadline, formatPlan } from './format.js';
import { type Plan, planDeployment, planExitCode } from './plan.js';

const ROOT = fileURLToPath(new URL('../fixtures/plan/', import.meta.url));
const cases = fs
  .readdirSync(ROOT)
  .filter((d) => fs.existsSync(path.join(ROOT, d, 'after.yaml')))
  .sort();
const SIGN = { add: '+', change: '~', remove: '-' } as const;

function deployment(dir: string, name: 'before' | 'after'): { deployment: Deployment; schemasDir: string; source: string } {
  const file = path.join(dir, `${name}.yaml`);
  const source = fs.readFileSync(file, 'utf8');
  const schemasDir = path.join(dir, /^# schemas-dir: (.+)$/m.exec(source)?.[1] ?? 'no-schemas');
  const clientTopics =
    /^# client-topics: (.+)$/m
      .exec(source)?.[1]
      ?.split(',')
      .map((s) => s.trim()) ?? [];
  const result = compilePipeline(source, file, { env: {}, schemasDir });
  expect(result.ok, `${file}: ${JSON.stringify(result.diagnostics)}`).toBe(true);
  return { deployment: buildDeployment(result.pipeline!, { schemasDir, clientTopics, recordedBy: 'test' }), schemasDir, source };
}

function planOf(name: string): { plan: Plan; source: string } {
  const dir = path.join(ROOT, name);
  const before = deployment(dir, 'before');
  const after = deployment(dir, 'after');
  return { plan: planDeployment(before.deployment, after.deployment, { schemasDir: after.schemasDir }), source: after.source };
}

function digest(plan: Plan, dir: string): string[] {
  const at = (loc: SourceLocation | undefined) => (loc ? `${path.relative(dir, path.resolve(loc.file))}:${loc.line}:${loc.col}` : '?');
  return plan.changes.flatMap((c) => {
    const head = `${SIGN[c.action]} ${c.subject} ${c.id}`;
    if (c.findings.length === 0) return [`${head} ${at(c.loc)} safe`];
    return c.findings.map((f) => `${head} ${at(f.loc ?? c.loc)} ${f.severity} ${f.code}`);
  });
}

describe('aura plan fixtures', () => {
  it('cover every plan code with a pair of pipelines', () => {
    const codes = new Set(
      cases.flatMap((c) => [...fs.readFileSync(path.join(ROOT, c, 'after.yaml'), 'utf8').matchAll(/^# expect: .* ([A-Z_]+)$/gm)].map((m) => m[1])),
    );
    expect(Object.keys(PlanCodes).filter((c) => !codes.has(c))).toEqual([]);
  });

  for (const name of cases) {
    it(`${name}: the expected changes, at their line:col, with their severity`, () => {
      const { plan, source } = planOf(name);
      const expected = [...source.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1].trim()).sort();
      const verdict = /^# verdict: (\w+)$/m.exec(source)?.[1];
      expect(expected.length + (verdict === 'none' ? 1 : 0), 'the fixture declares what it expects').toBeGreaterThan(0);
      expect(digest(plan, path.join(ROOT, name)).sort()).toEqual(expected);
      expect(plan.verdict).toBe(verdict);
      expect(planExitCode(plan)).toBe({ none: 0, safe: 1, breaking: 2 }[plan.verdict]);
      // The text shows each change's headline, and every breaking finding says what to do and what it discards.
      const text = formatPlan(plan, { file: 'after.yaml' });
      for (const c of plan.changes) expect(text).toContain(changeHeadline(c));
      for (const f of plan.changes.flatMap((c) => c.findings).filter((x) => x.severity === 'breaking')) {
        expect(f.todo, f.code).toBeTruthy();
        expect(f.discards, f.code).toBeTruthy();
        expect(text).toContain(f.discards);
      }
    });
  }

  it('with nothing deployed, everything is added and safe', () => {
    const after = deployment(path.join(ROOT, 'consumer-added'), 'after');
    const plan = planDeployment(undefined, after.deployment);
    expect(plan.verdict).toBe('safe');
    expect(plan.changes.every((c) => c.action === 'add' && c.findings.length === 0)).toBe(true);
    expect(plan.changes.map((c) => `${c.subject} ${c.id}`).sort()).toEqual(
      [
        'processor biggest_purchase',
        'processor count_events',
        'store max_store',
        'store totals_store',
        'topic big_spenders',
        'topic events',
        'topic totals',
      ].sort(),
    );
    expect(formatPlan(plan, { file: 'after.yaml' })).toContain('no deployment of shop is recorded yet');
  });

  it('adding a consumer with state to the default pipeline.yaml is safe (new features are new consumers)', () => {
    const file = fileURLToPath(new URL('../../pipeline.yaml', import.meta.url));
    const source = fs.readFileSync(file, 'utf8');
    const edited = source
      .replace('  dead_letters:\n', '  mood_hourly_topic:\n    name: aura360.insights.mood-hourly\n  dead_letters:\n')
      .replace('stores:\n', 'stores:\n  mood_hourly_store:\n    kind: window\n')
      .replace(
        'joins:\n',
        `  mood_hourly:
    type: aggregate
    from: split_events.mood
    to: mood_hourly_topic
    store: mood_hourly_store
    config:
      window: { type: tumbling, size: 1h, grace: 5m }
      aggregations:
        entries: { op: count }
        avg_score: { op: avg, field: data.score }

joins:\n`,
      );
    const env = { AURA_VECTOR_DB: ':memory:' };
    const compile = (text: string) => {
      const result = compilePipeline(text, file, { env });
      expect(result.diagnostics).toEqual([]);
      return buildDeployment(result.pipeline!, { schemasDir: path.join(path.dirname(file), 'schemas/events'), clientTopics: ['user_events'] });
    };
    const plan = planDeployment(compile(source), compile(edited));
    expect(plan.verdict).toBe('safe');
    expect(plan.changes.map((c) => `${c.action} ${c.subject} ${c.id} ${c.findings.length}`)).toEqual([
      'add topic mood_hourly_topic 0',
      'add store mood_hourly_store 0',
      'add processor mood_hourly 0',
    ]);
  });
});
