/**
 * The commit policy's catch-up rule in the engine (commit-policy.ts): with a
 * backlog, an `emit: on_commit` aggregate in front of a slow embedder must not
 * commit one poll batch at a time — each commit drains the embedder's lane, so
 * processing resumes long after commit_interval, and the old rule then
 * committed after the next batch, sending the embedder a context per user per
 * batch. Processing as long as the drain took lets the backlog merge into about
 * one context per user per commit. Every user's last vector still carries its
 * full count (nothing lost, nothing twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../providers/types.js';
import { inlineDriver, recentHour } from '../testing/inline-driver.js';
import { countEmbedPipeline } from '../testing/support/count-embed-pipeline.js';
import type { TopologyTestDriver } from '../testing/test-driver.js';

const USERS = 100;
const EVENTS = 4_000; // four poll batches of 1,000
const MS_PER_TEXT = 3;

const PIPELINE = countEmbedPipeline({ app: 'catch-up-test', prefix: 'cu', commitInterval: '100ms', emitOnCommit: true, concurrency: 1 });

describe('commits while a slow embedder is behind', () => {
  let driver: TopologyTestDriver;
  let embedded = 0;
  const embedder: Embedder = {
    model: 'slow-test',
    dims: 2,
    async embed(texts) {
      embedded += texts.length;
      await new Promise((r) => setTimeout(r, MS_PER_TEXT * texts.length));
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
    close: async () => {},
  };

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE, { resources: { embedder } });
    const base = recentHour();
    await driver.pipeInput(
      'events',
      Array.from({ length: EVENTS }, (_, i) => ({ key: `user-${i % USERS}`, value: { n: i }, timestamp: base + i })),
    );
  }, 120_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('embeds about one context per user per commit, not one per user per poll batch', () => {
    // One batch per commit would embed USERS per batch (4 × USERS); catching up: the first
    // commit's batch, then the rest of the backlog in one or two more commits.
    expect(embedded).toBeGreaterThanOrEqual(USERS);
    expect(embedded).toBeLessThanOrEqual(3 * USERS);
  });

  it("still vectorizes every user's latest count, each context once", async () => {
    const out = await driver.readOutput('vectors');
    expect(out).toHaveLength(embedded);
    const last = new Map<string, number>();
    const seen = new Set<string>();
    for (const r of out) {
      const count = (r.value as { context: { count: number } }).context.count;
      const id = `${r.key}:${count}`;
      expect(seen.has(id)).toBe(false); // the same context twice: a commit re-sent or a lane re-ran it
      seen.add(id);
      expect(count).toBeGreaterThan(last.get(r.key!) ?? 0);
      last.set(r.key!, count);
    }
    expect(last.size).toBe(USERS);
    for (const count of last.values()) expect(count).toBe(EVENTS / USERS);
  });
});
