/**
 * The swappable app on the embedded log: a swap replaces the engine while
 * the live views (what the gateway holds) read the new one and `engine.done`
 * stays pending; a swap whose preparation fails starts the previous pipeline
 * again, which goes on processing; stop() ends `done`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { makeEvents } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createPipelineApp } from './app.js';
import { SwappableApp } from './app-swap.js';
import type { EngineMetrics } from './metrics.js';
import { encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-swap-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SwappableApp', () => {
  it('replaces the engine under live views, rolls back a swap that fails, and ends on stop', async () => {
    const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const build = (p: Pipeline, metrics?: EngineMetrics) =>
      createPipelineApp({ pipeline: p, transport, logger: createLogger('swap'), stateDir: dir, instanceId: 'i1', metrics });
    const first = build(pipeline);
    const swappable = new SwappableApp({ pipeline, app: first }, (p) => build(p, first.engine.metrics));
    const { app } = swappable;
    await app.start();
    // Subscribed once through the view (the gateway's reply consumer does so): it hears every engine to come.
    const readable: string[] = [];
    app.engine.onReadable((records) => {
      for (const r of records) readable.push(r.topic);
    });
    const readableGrew = async (than: number) => {
      for (let i = 0; i < 400 && readable.length <= than; i++) await new Promise((r) => setTimeout(r, 25));
      return readable.length > than;
    };
    let ended = false;
    void app.engine.done.then(() => (ended = true));

    const writer = transport.producer({});
    const produce = async (n: number, seed: number) => {
      const events = makeEvents(n, 4, seed);
      await writer.send(
        events.map((e) => ({ topic: pipeline.topics.user_events!.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })),
      );
    };
    const consumed = async (n: number) => {
      for (let i = 0; i < 400 && app.engine.metrics.pollRecordsTotal < n; i++) await new Promise((r) => setTimeout(r, 25));
      return app.engine.metrics.pollRecordsTotal;
    };
    await produce(10, 1);
    expect(await consumed(10)).toBe(10);
    expect(await readableGrew(0)).toBe(true);

    // Another pipeline object (the same definition): the views follow it.
    const next = { ...pipeline, nodes: { ...pipeline.nodes } };
    const engineBefore = swappable.current.app.engine;
    await swappable.swap(next);
    expect(swappable.current.app.engine).not.toBe(engineBefore);
    expect(engineBefore.state).toBe('stopped');
    expect(swappable.pipeline.nodes).toBe(next.nodes);
    expect(app.engine.state).toBe('running');
    expect(ended).toBe(false);
    const readableBeforeSwap = readable.length;
    await produce(10, 2);
    expect(await consumed(20)).toBe(20); // the counters carry over
    expect(await readableGrew(readableBeforeSwap)).toBe(true); // the new engine's outputs reach the old subscription

    // A swap whose preparation fails: the previous pipeline runs again.
    const beforeFailed = swappable.current;
    await expect(
      swappable.swap({ ...pipeline }, async () => {
        throw new Error('the deployment check refused');
      }),
    ).rejects.toThrow('the deployment check refused');
    expect(swappable.current.pipeline).toBe(beforeFailed.pipeline);
    expect(swappable.current.app).not.toBe(beforeFailed.app);
    expect(app.engine.state).toBe('running');
    expect(ended).toBe(false);
    await produce(10, 3);
    expect(await consumed(30)).toBe(30);

    await app.stop();
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(true);
    await writer.close();
    await transport.close();
  }, 30_000);
});
