/**
 * `emit: on_commit` through the TopologyTestDriver (the real engine on the
 * embedded log): records piped together are processed in one commit, so each
 * key's updates come out merged into one record with the latest aggregate;
 * `emit: on_update` still emits one record per input; `cache_max_bytes: 0`
 * emits every update; tumbling windows merge per key and window. And the
 * config checks that keep the option where it means something.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileInline, inlineDriver, recentHour } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';
import { compilePipeline } from '../../topology/compile.js';

const pipeline = (config: string, store = 'key_value') => `
app: emit-test
defaults: { partitions: 2 }
topics:
  readings: { name: emit.readings }
  stats: { name: emit.stats }
stores:
  stats_store: { kind: ${store} }
processors:
  fold:
    type: aggregate
    from: readings
    to: stats
    store: stats_store
    config:
${config
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
`;

const AGGS = `
aggregations:
  n: { op: count }
  total: { op: sum, field: score }
  notes: { op: collect, field: note, limit: 2 }
`;

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const input = (user: string, score: number, note: string, timestamp?: number) => ({ key: user, value: { score, note }, timestamp });

describe('aggregate emit: on_commit', () => {
  it('emits the latest aggregate of each key once per commit, on_update one per record', async () => {
    driver = await inlineDriver(pipeline(`emit: on_commit\n${AGGS}`));
    const batch = [input('u1', 1, 'a'), input('u2', 10, 'x'), input('u1', 2, 'b'), input('u1', 3, 'c'), input('u2', 20, 'y')];
    await driver.pipeInput('readings', batch);
    const out = await driver.readOutput('stats');
    expect(out.map((o) => o.value).sort((a, b) => String((a as { key: string }).key).localeCompare((b as { key: string }).key))).toEqual([
      { key: 'u1', n: 3, total: 6, notes: ['b', 'c'] },
      { key: 'u2', n: 2, total: 30, notes: ['x', 'y'] },
    ]);
    await driver.pipeInput('readings', [input('u1', 4, 'd')]);
    expect((await driver.readOutput('stats')).map((o) => o.value)).toEqual([{ key: 'u1', n: 4, total: 10, notes: ['c', 'd'] }]);
    expect(driver.readKeyValueStore('stats_store').u1).toEqual({ n: { n: 4, v: 4 }, total: { n: 4, v: 10 }, notes: { n: 4, v: ['c', 'd'] } });
    expect(
      [...driver.app.engine.tasks.values()].reduce((n, t) => n + (t.options.state as unknown as { flushRecordCaches(): number }).flushRecordCaches(), 0),
    ).toBe(0);
    await driver.close();

    driver = await inlineDriver(pipeline(AGGS));
    await driver.pipeInput('readings', batch);
    const each = await driver.readOutput('stats');
    expect(each.filter((o) => o.key === 'u1').map((o) => (o.value as { n: number }).n)).toEqual([1, 2, 3]);
    expect(each).toHaveLength(5);
  });

  it('cache_max_bytes: 0 emits every update at once', async () => {
    driver = await inlineDriver(pipeline(`emit: on_commit\ncache_max_bytes: 0\n${AGGS}`));
    await driver.pipeInput('readings', [input('u1', 1, 'a'), input('u1', 2, 'b')]);
    expect((await driver.readOutput('stats')).map((o) => (o.value as { total: number }).total)).toEqual([1, 3]);
  });

  it('merges per key and window for tumbling windows', async () => {
    const t0 = recentHour();
    driver = await inlineDriver(pipeline(`emit: on_commit\nwindow: { type: tumbling, size: 1m }\n${AGGS}`, 'window'));
    await driver.pipeInput('readings', [
      input('u1', 1, 'a', t0),
      input('u1', 2, 'b', t0 + 10_000),
      input('u1', 3, 'c', t0 + 70_000),
      input('u1', 4, 'd', t0 + 80_000),
    ]);
    const out = (await driver.readOutput('stats')).map((o) => o.value as { window: { start: number }; total: number });
    expect(out.map((o) => [o.window.start - t0, o.total])).toEqual([
      [0, 3],
      [60_000, 7],
    ]);
  });

  it('is refused where it would merge nothing, and cache_max_bytes without it', () => {
    const issues = (yaml: string) => compilePipeline(yaml, 'x.yaml').diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(issues(pipeline(`emit: on_commit\nwindow: { type: session, gap: 1m }\n${AGGS}`, 'session')).join('\n')).toMatch(/INVALID_CONFIG .*on_commit/);
    expect(issues(pipeline(`emit: on_commit\nwindow: { type: sliding, size: 1m }\n${AGGS}`, 'window')).join('\n')).toMatch(/INVALID_CONFIG .*on_commit/);
    expect(issues(pipeline(`cache_max_bytes: 1000\n${AGGS}`)).join('\n')).toMatch(/INVALID_CONFIG .*cache_max_bytes sizes the record cache/);
    expect(() => compileInline(pipeline(`emit: on_commit\npreset: context_window`))).not.toThrow();
  });
});
