/**
 * The engine gives the event loop a turn after every PROCESSING_SLICE_MS of processing, also in
 * the middle of a poll batch: with records that take 1 ms each, a batch of 1,000 is a second
 * of synchronous work, during which the gateway sharing the process could neither take a
 * request nor send a status. A timer of the same process must keep firing on time meanwhile,
 * and every record must still be processed once, in order.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineProcessor } from '../processors/define.js';
import { builtinProcessors } from '../processors/registry.js';
import type { ProcessorContext } from '../processors/types.js';
import { integer, object } from '../schemas/config-schema.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { PROCESSING_SLICE_MS } from './processing-slice.js';
import { encodeValue } from './serde.js';

const busy = defineProcessor({
  type: 'busy',
  summary: 'Spins on every record (a test processor).',
  description: 'Spins for `micros` µs on every record, then forwards it.',
  config: object({ micros: integer({ minimum: 0, default: 500, description: 'Spin per record (µs).' }) }),
  examples: [],
  create(config) {
    let ctx!: ProcessorContext;
    return {
      init(c) {
        ctx = c;
      },
      process(record) {
        const until = performance.now() + config.micros / 1000;
        while (performance.now() < until) {
          // spin: synchronous work, as a Guardian answer composed in process
        }
        ctx.forward(record);
      },
    };
  },
});

describe('processing slices', () => {
  let driver: TopologyTestDriver | undefined;
  afterAll(async () => driver?.close());

  it('keeps a timer within a few slices of its due time while 2,000 slow records are processed', async () => {
    driver = await TopologyTestDriver.fromFile(path.resolve(import.meta.dirname, 'fixtures/busy.yaml'), {
      env: { AURA_STATE_DIR: '.unused', BUSY_MICROS: '1000' },
      processors: builtinProcessors.with(busy),
    });
    const topic = driver.pipeline.topics.input!;
    const producer = driver.transport.producer({});
    const n = 2_000;
    await producer.send(
      Array.from({ length: n }, (_, i) => ({ topic: topic.name, partition: 0, key: `k${i % 7}`, value: encodeValue({ i }), timestamp: Date.now() })),
    );
    await producer.close();
    let last = performance.now();
    const gaps: number[] = [];
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 2);
    try {
      await driver.settle(120_000);
    } finally {
      clearInterval(timer);
    }
    const out = await driver.readOutput('output');
    expect(out.map((r) => (r.value as { i: number }).i)).toEqual(Array.from({ length: n }, (_, i) => i));
    // One poll batch (up to 1,000 records) is a second of spinning (wall clock: never less, however
    // busy the machine): without slices a gap that long. With them a turn comes every
    // PROCESSING_SLICE_MS plus one record plus what else the turn does (a commit's SQLite
    // transaction, a GC); the bound, half a batch, leaves room for a machine shared with other test files.
    gaps.sort((a, b) => a - b);
    expect(gaps.at(-1)!).toBeLessThan(500);
    // And the timer fired all along, not only between two batches.
    expect(gaps.length).toBeGreaterThan((2_000 * 1) / (PROCESSING_SLICE_MS * 10));
  }, 180_000);
});
