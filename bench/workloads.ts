/**
 * The two aggregation workloads the benches run, on the embedded log and on
 * Kafka against Kafka Streams, with their inputs and the end state to check:
 *   stats    bench/stats.yaml — per-user count/sum/min/max/avg/last (Kafka Streams: StatsBench);
 *   context  bench/aggregate.yaml — the AURA360 context window, 50 events / 7 days (ContextWindowBench).
 */
import path from 'node:path';
import { encodeValue } from '../runtime/serde.js';
import { makeEvents } from '../testing/support/events.js';
import { compareStats, expectedStats, makeStatsEvents } from './stats-events.js';

export type WorkloadName = 'stats' | 'context';

export interface BenchRecord {
  key: string;
  value: Buffer;
  timestamp: number;
}

export interface WorkloadInput {
  records: BenchRecord[];
  users: number;
  /** Problems with the last output per key (empty when the end state is right). */
  check(lastByKey: Map<string, unknown>): string[];
}

export interface Workload {
  name: WorkloadName;
  label: string;
  yaml: string;
  /** Topic ids in the yaml. */
  input: string;
  output: string;
  /** Main class of the Kafka Streams app doing the same (bench/kafka-streams). */
  ksMain: string;
  defaults: { events: number; users: number };
  makeInput(events: number, users: number): WorkloadInput;
}

const HERE = import.meta.dirname;

export const WORKLOADS: Record<WorkloadName, Workload> = {
  stats: {
    name: 'stats',
    label: 'per-user stats',
    yaml: path.join(HERE, 'stats.yaml'),
    input: 'stats_events',
    output: 'user_stats',
    ksMain: 'dev.aura360.bench.StatsBench',
    defaults: { events: 1_000_000, users: 10_000 },
    makeInput(events, users) {
      const input = makeStatsEvents(events, users);
      const expected = expectedStats(input);
      return {
        records: input.map((e) => ({ key: e.user_id, value: encodeValue(e)!, timestamp: e.ts })),
        users: expected.size,
        check: (last) => compareStats(expected, last),
      };
    },
  },
  context: {
    name: 'context',
    label: 'context window',
    yaml: path.join(HERE, 'aggregate.yaml'),
    input: 'user_events',
    output: 'context_aggregated',
    ksMain: 'dev.aura360.bench.ContextWindowBench',
    defaults: { events: 200_000, users: 1_000 },
    makeInput(events, users) {
      // One second apart, ending an hour ago: Kafka rejects timestamps more than 1 h ahead and
      // both logs drop records older than the 7-day retention.
      if (events > 500_000)
        throw new Error(`the context window workload takes at most 500,000 events (one per second within the 7-day retention); got ${events}`);
      const input = makeEvents(events, users, 42, Math.floor((Date.now() - events * 1000 - 3_600_000) / 1000) * 1000);
      const perUser = new Map<string, number>();
      for (const e of input) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
      return {
        records: input.map((e) => ({ key: e.user_id, value: encodeValue(e)!, timestamp: Date.parse(e.time) })),
        users: perUser.size,
        // Both apps put the number of events folded so far in `version` (ids are unique, none is skipped).
        check: (last) => {
          const problems: string[] = [];
          for (const [user, n] of perUser) {
            const version = (last.get(user) as { version?: unknown } | undefined)?.version;
            if (version !== n && problems.length < 5) problems.push(`${user}: ${n} events, last output has version ${String(version)}`);
          }
          if (last.size !== perUser.size) problems.push(`${last.size} users in the output, ${perUser.size} expected`);
          return problems;
        },
      };
    },
  },
};
