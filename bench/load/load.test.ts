/** The load test itself, small: a server process, a few users, everything checked end to end. */
import { describe, expect, it } from 'vitest';
import { cpuSecondsOf, gcMsOf, runLoad } from './run-load.js';

describe('runLoad', () => {
  it('drives concurrent users against a server process and finds every status and answer', async () => {
    const r = await runLoad({ users: 8, eventsPerUser: 4, advicePerUser: 1, thinkMs: 20, rampMs: 100, embedder: 'hashing' });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.summaries.map((s) => s.count)).toEqual([32, 32, 8, 8]);
    // 4 statuses per event, at least 2 chunks and 1 final per answer.
    expect(r.messages).toBeGreaterThanOrEqual(32 * 4 + 8 * 3);
    expect(r.text).toContain('publish → ingested status');
    // The server's breakdown per hop, and the statuses and chunks taken from the engine at its commit.
    const hops = r.hops.map((h) => h.name);
    expect(hops).toContain('publish → acknowledged (user.mood.created)');
    for (const hop of ['publish → output committed', 'publish → status ingested stored', 'advice → first chunk stored', 'commit']) expect(hops).toContain(hop);
    expect(hops.filter((h) => /^publish → \S+ output$/.test(h)).length).toBeGreaterThanOrEqual(3); // a sink node per hop
    expect(r.replySources.engine).toBeGreaterThan(0);
    expect(r.text).toMatch(/(met|MISSED) {1,4}publish → ingested status p99/);
    // The server's CPU while the users ran: its start-up (loading the sources, ~1 s) is not in it.
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.cpuSeconds).toBeLessThan(r.durationMs / 1000 + 5);
    expect(r.text).toMatch(/CPU \d+\.\d\d s while the users ran \(\d+\.\d\d ms per request\)/);
  }, 60_000);

  it("reads the server's CPU and GC time from prom-client's default metrics", () => {
    const text = [
      'aura_process_cpu_user_seconds_total 1.5',
      'aura_process_cpu_seconds_total 2.25',
      'aura_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 3',
      'aura_nodejs_gc_duration_seconds_sum{kind="minor"} 0.031',
      'aura_nodejs_gc_duration_seconds_sum{kind="major"} 0.2',
      'aura_nodejs_gc_duration_seconds_count{kind="major"} 2',
    ].join('\n');
    expect(cpuSecondsOf(text)).toBe(2.25);
    expect(gcMsOf(text)).toEqual({ minor: 31, major: 200 });
    expect(cpuSecondsOf('nothing')).toBeNaN();
  });
});
