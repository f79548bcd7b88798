/**
 * The bench workloads are what they claim: bench/stats.yaml run by the engine
 * (through the test driver) ends with exactly the stats expectedStats() folds
 * from the input, and the checks catch a wrong end state. The Kafka Streams
 * apps are held to the same checks by the benches themselves.
 */
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { compareStats, expectedStats, makeStatsEvents } from './stats-events.js';
import { WORKLOADS } from './workloads.js';

const lastByKey = (outputs: Array<{ key: string | null; value: unknown }>): Map<string, unknown> => new Map(outputs.map((o) => [o.key!, o.value]));

describe('bench workloads', () => {
  it.each(['on_commit', 'on_update'])(
    'per-user stats (emit %s): the engine running bench/stats.yaml ends with the expected fold, field for field',
    async (emit) => {
      const events = makeStatsEvents(3000, 50, 5);
      expect(events.some((e) => e.score === undefined) && events.some((e) => e.minutes === undefined)).toBe(true);
      const driver = await TopologyTestDriver.fromFile(WORKLOADS.stats.yaml, { env: { ...process.env, AURA_BENCH_PARTITIONS: '2', AURA_BENCH_EMIT: emit } });
      try {
        await driver.pipeInput(
          'stats_events',
          events.map((e) => ({ key: e.user_id, value: e, timestamp: e.ts })),
        );
        const outputs = await driver.readOutput('user_stats');
        // on_update: one output per input; on_commit: the latest per user per commit (the input
        // may take more than one commit_interval to process on a busy machine: one commit or several)
        if (emit === 'on_update') expect(outputs).toHaveLength(events.length);
        else {
          expect(outputs.length).toBeGreaterThanOrEqual(50);
          expect(outputs.length).toBeLessThanOrEqual(50 * driver.app.engine.metrics.commitTotal);
          expect(outputs.length).toBeLessThan(events.length);
        }
        const expected = expectedStats(events);
        expect(compareStats(expected, lastByKey(outputs))).toEqual([]);
        // The check is not vacuous: a changed average or a missing user is reported.
        const wrong = lastByKey(outputs);
        const [user, value] = [...wrong][0]!;
        wrong.set(user, { ...(value as object), score_avg: 1.5e9 });
        wrong.delete([...wrong.keys()][1]!);
        const problems = compareStats(expected, wrong);
        expect(problems.some((p) => p.startsWith(`${user}:`))).toBe(true);
        expect(problems.some((p) => p.includes('users in the output'))).toBe(true);
      } finally {
        await driver.close();
      }
    },
  );

  it('context window: the check wants every event folded (version = events per user)', async () => {
    const input = WORKLOADS.context.makeInput(400, 20);
    const driver = await TopologyTestDriver.fromFile(WORKLOADS.context.yaml);
    try {
      await driver.pipeInput(
        'user_events',
        input.records.map((r) => ({ key: r.key, value: JSON.parse(r.value.toString('utf8')), timestamp: r.timestamp })),
      );
      const last = lastByKey(await driver.readOutput('context_aggregated'));
      expect(input.check(last)).toEqual([]);
      const [user, value] = [...last][0]!;
      last.set(user, { ...(value as object), version: 1 });
      expect(input.check(last)).toEqual([expect.stringContaining(`${user}:`)]);
    } finally {
      await driver.close();
    }
  });
});
