/**
 * Input of the per-user stats workload (bench/stats.yaml and Kafka Streams'
 * StatsBench): flat JSON events {id, user_id, score?, minutes?, ts}, users
 * drawn uniformly, one millisecond apart ending a few minutes ago (so that a
 * million fit easily between Kafka's retention and its 1 h future limit).
 * `score` (1–10) is in ~60 % of the events, `minutes` (0–90) in ~60 %, so the
 * aggregates also see missing fields. expectedStats() is the fold both apps
 * must end with, checked by the benches.
 */
import { prng } from '../testing/support/events.js';

export interface StatsEvent {
  id: string;
  user_id: string;
  score?: number;
  minutes?: number;
  ts: number;
}

/** The output value, as bench/stats.yaml's aggregations emit it (and StatsBench). */
export interface UserStats {
  key: string;
  count: number;
  score_sum: number | null;
  score_min: number | null;
  score_max: number | null;
  score_avg: number | null;
  minutes_sum: number | null;
  last_ts: number | null;
}

export function makeStatsEvents(n: number, users: number, seed = 42, end = Date.now() - 300_000): StatsEvent[] {
  const rnd = prng(seed);
  const start = end - n;
  const out = new Array<StatsEvent>(n);
  for (let i = 0; i < n; i++) {
    const e: StatsEvent = { id: `s-${seed}-${i}`, user_id: `user-${Math.floor(rnd() * users)}`, ts: start + i };
    const r = rnd();
    if (r < 0.6) e.score = 1 + Math.floor(rnd() * 10);
    if (r >= 0.4) e.minutes = Math.floor(rnd() * 91);
    out[i] = e;
  }
  return out;
}

/** The final stats per user after all `events`, in input order per user. */
export function expectedStats(events: StatsEvent[]): Map<string, UserStats> {
  const acc = new Map<string, { count: number; scores: number; sum: number; min: number; max: number; minutes: number; withMinutes: number; last: number }>();
  for (const e of events) {
    let a = acc.get(e.user_id);
    if (!a) acc.set(e.user_id, (a = { count: 0, scores: 0, sum: 0, min: Infinity, max: -Infinity, minutes: 0, withMinutes: 0, last: 0 }));
    a.count++;
    if (e.score !== undefined) {
      a.scores++;
      a.sum += e.score;
      a.min = Math.min(a.min, e.score);
      a.max = Math.max(a.max, e.score);
    }
    if (e.minutes !== undefined) {
      a.withMinutes++;
      a.minutes += e.minutes;
    }
    a.last = e.ts;
  }
  const out = new Map<string, UserStats>();
  for (const [key, a] of acc) {
    const some = a.scores > 0;
    out.set(key, {
      key,
      count: a.count,
      score_sum: some ? a.sum : null,
      score_min: some ? a.min : null,
      score_max: some ? a.max : null,
      score_avg: some ? a.sum / a.scores : null,
      minutes_sum: a.withMinutes > 0 ? a.minutes : null,
      last_ts: a.last,
    });
  }
  return out;
}

/**
 * Differences between the last output per user and the expected stats (at most `limit`
 * described). Field by field: Jackson and JSON.stringify order fields and print doubles
 * differently (5.0 / 5), so the average is compared to 1e-12 relative.
 */
export function compareStats(expected: Map<string, UserStats>, actual: Map<string, unknown>, limit = 5): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key) as Record<string, unknown> | undefined;
    const fields = Object.keys(want) as Array<keyof UserStats>;
    const equal = got !== undefined && fields.every((f) => same(want[f], got[f])) && Object.keys(got).length === fields.length;
    if (!equal) problems.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    if (problems.length >= limit) break;
  }
  if (actual.size !== expected.size) problems.push(`${actual.size} users in the output, ${expected.size} expected`);
  return problems;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
  return a === b;
}
