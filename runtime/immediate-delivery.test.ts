/**
 * `delivery: immediate`: Guardian chunks reach readers while the answer is
 * still being produced (the exactly-once transaction would hold them until
 * the final commit), and the final response still commits exactly once.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdviceInput, Advisor } from '../providers/types.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { encodeValue } from './serde.js';

/** An advisor that yields its first piece, then waits until the test releases it. */
function gatedAdvisor(): Advisor & { release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return {
    name: 'gated',
    release: () => release(),
    async *advise(_input: AdviceInput) {
      yield 'Take a short walk after lunch today, even ten minutes outside in the sun helps.'; // > chunk_words (12)
      await gate;
      yield 'Then note how your energy changes.';
    },
    close: async () => undefined,
  };
}

describe('immediate delivery of Guardian chunks', () => {
  let driver: TopologyTestDriver;
  const advisor = gatedAdvisor();

  beforeAll(async () => {
    driver = await TopologyTestDriver.fromFile(path.resolve(import.meta.dirname, '../pipeline.yaml'), {
      env: { AURA_VECTOR_DB: ':memory:' },
      resources: { embedder: createHashingEmbedder(), advisor },
    });
  });
  afterAll(async () => driver?.close());

  it('streams the first chunk before the answer is complete, then commits the response once', async () => {
    const topic = driver.pipeline.topics.guardian_requests!;
    const now = driver.clock.now();
    const request = { correlation_id: 'c-stream', user_id: 'u1', question: 'More energy?', deadline: now + 30_000, created_at: now };
    const producer = driver.transport.producer({});
    await producer.send([
      { topic: topic.name, partition: driver.transport.partitionFor('u1', topic.partitions), key: 'u1', value: encodeValue(request), timestamp: now },
    ]);
    await producer.close();

    let early: Array<{ text: string; seq: number }> = [];
    for (let i = 0; i < 200 && early.length === 0; i++) {
      early = (await driver.readOutput('guardian_chunks')).map((r) => r.value as { text: string; seq: number });
      if (early.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(early.map((c) => c.seq)).toEqual([0]);
    expect(early[0]!.text).toContain('short walk');
    expect(await driver.readOutput('guardian_responses')).toEqual([]); // the answer is not done yet

    advisor.release();
    await driver.settle();
    const rest = (await driver.readOutput('guardian_chunks')).map((r) => r.value as { seq: number; final: boolean });
    expect(rest.map((c) => c.seq)).toEqual(rest.map((_, i) => i + 1));
    expect(rest.at(-1)!.final).toBe(true);
    const responses = await driver.readOutput('guardian_responses');
    expect(responses).toHaveLength(1);
    expect((responses[0]!.value as { status: string; advice: string }).advice).toContain('energy changes');
  });
});
