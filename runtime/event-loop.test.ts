/**
 * Under a backlog the embedded consumer's poll resolves at once; the engine
 * must still give timers and I/O of its process a turn between batches (the
 * gateway and /metrics share the process), not only when the backlog is gone.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEvents } from '../testing/support/events.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { encodeValue } from './serde.js';

describe('event loop under a backlog', () => {
  let driver: TopologyTestDriver | undefined;
  afterAll(async () => driver?.close());

  it('lets a timer of the same process run while 30,000 queued events are processed', async () => {
    driver = await TopologyTestDriver.fromFile(path.resolve(import.meta.dirname, 'fixtures/crash.yaml'), { env: { AURA_STATE_DIR: '.unused' } });
    const topic = driver.pipeline.topics.user_events!;
    const events = makeEvents(30_000, 500, 5);
    const producer = driver.transport.producer({});
    for (let i = 0; i < events.length; i += 5000) {
      await producer.send(
        events.slice(i, i + 5000).map((e) => ({
          topic: topic.name,
          partition: driver!.transport.partitionFor(e.user_id, topic.partitions),
          key: e.user_id,
          value: encodeValue(e),
          timestamp: Date.parse(e.time),
        })),
      );
    }
    await producer.close();
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    try {
      await driver.settle(120_000);
    } finally {
      clearInterval(timer);
    }
    expect((await driver.readOutput('context_aggregated')).length).toBe(events.length);
    expect(maxGap).toBeLessThan(1000);
  }, 180_000);
});
