/**
 * Backpressure through the TopologyTestDriver: a slow asynchronous processor
 * (vectorize with a slow embedder that counts what it holds) must never run
 * more than its `concurrency` at once, the engine must stop polling while its
 * lane holds more than `maxInflight` records, and every record must still be
 * processed, in per-key order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../providers/types.js';
import { inlineDriver, recentHour } from '../testing/inline-driver.js';
import type { TopologyTestDriver } from '../testing/test-driver.js';

const CONCURRENCY = 4;
const MAX_INFLIGHT = 100;
const MAX_POLL_RECORDS = 1000; // the engine's default poll size
const RECORDS = 3000;
const KEYS = 7;

const PIPELINE = `
app: backpressure-test
defaults: { partitions: 1 }
topics:
  texts: { name: bp.texts }
  vectors: { name: bp.vectors }
resources:
  embedder: { type: minilm }
processors:
  embed:
    type: vectorize
    from: texts
    to: vectors
    concurrency: ${CONCURRENCY}
    config: { embedder: embedder, text: text }
`;

/** A slow embedder that records how many texts it holds at once and in which order it saw them. */
function slowEmbedder(onCall: () => void) {
  const stats = { inFlight: 0, peakInFlight: 0, calls: 0, seen: [] as string[] };
  const embedder: Embedder = {
    model: 'slow-test',
    dims: 2,
    async embed(texts) {
      onCall();
      stats.calls++;
      stats.inFlight += texts.length;
      stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
      stats.seen.push(...texts);
      await new Promise((r) => setTimeout(r, 1));
      stats.inFlight -= texts.length;
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
    close: async () => {},
  };
  return { embedder, stats };
}

describe('backpressure with a slow asynchronous processor', () => {
  let driver: TopologyTestDriver;
  let peakLane = 0;
  const { embedder, stats } = slowEmbedder(() => {
    for (const task of driver.app.engine.tasks.values()) peakLane = Math.max(peakLane, task.inflight());
  });
  const input = Array.from({ length: RECORDS }, (_, i) => ({ key: `user-${i % KEYS}`, seq: Math.floor(i / KEYS) }));

  beforeAll(async () => {
    driver = await inlineDriver(PIPELINE, { resources: { embedder } });
    // The engine reads this bound at every poll; the driver has no option for it.
    driver.app.engine.options.maxInflight = MAX_INFLIGHT;
    const base = recentHour();
    await driver.pipeInput(
      'texts',
      input.map((r, i) => ({ key: r.key, value: { text: `${r.key} #${r.seq}` }, timestamp: base + i })),
    );
  }, 120_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('never embeds more than `concurrency` records at once', () => {
    expect(stats.seen).toHaveLength(RECORDS);
    expect(stats.peakInFlight).toBeLessThanOrEqual(CONCURRENCY);
    expect(stats.peakInFlight).toBe(CONCURRENCY); // and the lane does use its concurrency
  });

  it('stops polling while the lane holds more than maxInflight records', () => {
    // Polling pauses after a batch that leaves the lane above the bound, so the lane never holds
    // more than one poll batch beyond it (without backpressure it would hold all 3000).
    expect(peakLane).toBeGreaterThan(MAX_INFLIGHT);
    expect(peakLane).toBeLessThanOrEqual(MAX_INFLIGHT + MAX_POLL_RECORDS);
  });

  it('processes every record once, in per-key order', async () => {
    const out = await driver.readOutput('vectors');
    expect(out).toHaveLength(RECORDS);
    const seqOf = (text: string) => Number(text.split('#')[1]);
    for (let k = 0; k < KEYS; k++) {
      const key = `user-${k}`;
      const expected = input.filter((r) => r.key === key).map((r) => r.seq);
      expect(out.filter((r) => r.key === key).map((r) => seqOf((r.value as { summary_text: string }).summary_text))).toEqual(expected);
      expect(stats.seen.filter((t) => t.startsWith(`${key} `)).map(seqOf)).toEqual(expected);
    }
  });
});
