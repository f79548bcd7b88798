/**
 * Commits that do not wait for a fused reader's lanes (lane-tracker.ts, commit.ts): while one
 * record's embedding hangs, commits go on with the input and with every finished record before
 * it; the group's position on the fused topic stops at the hung record, the outputs of the
 * records after it (finished or not) wait, and once it finishes a later commit completes them —
 * each output once, per key in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The behaviour under test is opt-in (task-graph.ts); each test file runs in its own worker.
process.env.AURA_COMMIT_LEAVES_LANE_WORK = '1';

import type { Embedder } from '../providers/types.js';
import { inlineDriver, recentHour } from '../testing/inline-driver.js';
import { countEmbedPipeline } from '../testing/support/count-embed-pipeline.js';
import type { TopologyTestDriver } from '../testing/test-driver.js';

const PIPELINE = countEmbedPipeline({ app: 'lanes-test', prefix: 'lt', commitInterval: '20ms', concurrency: 2, batchSize: 1 });

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a commit while a lane is slow', () => {
  let driver: TopologyTestDriver;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const embedder: Embedder = {
    model: 'gated-test',
    dims: 1,
    async embed(texts) {
      if (texts.includes('slow')) await gate;
      return texts.map((t) => Float32Array.from([t.length]));
    },
    close: async () => {},
  };
  const keys = ['a', 'b', 'slow', 'a', 'b', 'c', 'a'];
  const base = recentHour();

  const committed = async (topicId: string): Promise<number> => {
    const group = driver.transport.consumer({ groupId: 'lanes-test', isolation: 'read_committed' });
    try {
      const [c] = await group.committed([{ topic: driver.pipeline.topics[topicId]!.name, partition: 0 }]);
      return c!.offset;
    } finally {
      await group.close();
    }
  };
  const vectors: Array<{ key: string; count: number }> = [];
  const readVectors = async (): Promise<void> => {
    for (const r of await driver.readOutput('vectors')) vectors.push({ key: r.key!, count: (r.value as { context: { count: number } }).context.count });
  };

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE, { resources: { embedder } });
    const producer = driver.transport.producer({});
    await producer.send(
      keys.map((key, i) => ({ topic: 'lt.events', partition: 0, key, value: Buffer.from(JSON.stringify({ n: i })), timestamp: base + i, headers: {} })),
    );
    await producer.close();
  }, 60_000);

  afterAll(async () => {
    open();
    await driver?.close();
  });

  it('commits the input and the finished prefix, and holds the fused position at the slow record', async () => {
    // The input is committed although "slow" (stats offset 2) is still embedding: the commit did not wait.
    await until('the input committed', async () => (await committed('events')) === keys.length);
    await until('the records before the slow one committed', async () => {
      await readVectors();
      return vectors.length >= 2;
    });
    // A few more commits come and go; nothing behind the slow record may be committed meanwhile.
    await new Promise((r) => setTimeout(r, 200));
    await readVectors();
    expect(vectors).toEqual([
      { key: 'a', count: 1 },
      { key: 'b', count: 1 },
    ]);
    expect(await committed('stats')).toBe(2);
    // The aggregate's own outputs (the fused records) and its state committed with the input.
    const counts = Object.entries(driver.readKeyValueStore<{ count: { v: number } }>('counts')).map(([k, v]) => [k, v.count.v]);
    expect(Object.fromEntries(counts)).toEqual({ a: 3, b: 2, slow: 1, c: 1 });
  });

  it('completes the held records with a later commit once the slow one finished: each once, per key in order', async () => {
    open();
    await driver.settle();
    await readVectors();
    expect(vectors).toHaveLength(keys.length);
    const seen = new Map<string, number[]>();
    for (const v of vectors) seen.set(v.key, [...(seen.get(v.key) ?? []), v.count]);
    expect(Object.fromEntries(seen)).toEqual({ a: [1, 2, 3], b: [1, 2], slow: [1], c: [1] });
    // The commit that released them wrote nothing new to the fused topic, yet moved its position past them all.
    expect(await committed('stats')).toBeGreaterThanOrEqual(keys.length);
  });
});
