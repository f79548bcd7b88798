/**
 * A pipeline change applied in place on the embedded log (`aura serve --watch`'s path:
 * SwappableApp.apply → engine.applyPipeline), with events flowing: two independent
 * sub-topologies, the map's config changes (testing/support/reload-scenario.ts: the
 * window's tasks the same objects, never closed or restored; every output of both once;
 * the store equal to the fold; the new config in what the map writes after the reload).
 * Then a sub-topology on a new topic is added (the subscription follows, its tasks come
 * through the assignment) and removed again, the others' tasks the same objects throughout.
 * A change to what the whole engine is built with replaces the engine, saying why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { addedAndRemovedScenario, decoded, inPlaceReloadScenario, reloadPipelines } from '../testing/support/reload-scenario.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createPipelineApp } from './app.js';
import { SwappableApp } from './app-swap.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-reload-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a pipeline change applied in place', () => {
  it('keeps the unchanged sub-topology running untouched and exactly-once, restarts the changed one with its new config', async () => {
    const stateDir = path.join(dir, 'changed');
    fs.mkdirSync(stateDir);
    const transport = createEmbeddedTransport({ path: path.join(stateDir, 'log.db') });
    const read = async (topic: string) => {
      const reader = transport.consumer({ isolation: 'read_committed' });
      await reader.assign([0, 1].map((partition) => ({ topic, partition, offset: 0 })));
      const out = [];
      for (let empty = 0; empty < 3; ) {
        const batch = await reader.poll(10_000, 100);
        if (batch.length === 0) empty++;
        out.push(...batch);
      }
      await reader.close();
      return decoded(out);
    };
    try {
      await inPlaceReloadScenario({ transport, prefix: 'reload-test', stateDir, read, settleMs: 15_000 });
    } finally {
      await transport.close();
    }
  }, 60_000);
});

describe('a sub-topology added and removed in place', () => {
  it('subscribes to its topic and creates its tasks through the assignment, then closes them; the others keep running throughout', async () => {
    const stateDir = path.join(dir, 'added');
    fs.mkdirSync(stateDir);
    const transport = createEmbeddedTransport({ path: path.join(stateDir, 'log.db') });
    try {
      await addedAndRemovedScenario({ transport, prefix: 'reload-added', stateDir, settleMs: 10_000 });
    } finally {
      await transport.close();
    }
  }, 30_000);
});

describe('a change the engine cannot take in place', () => {
  it('replaces the engine, says why, and the new one runs (also when the preparation asks for it)', async () => {
    const stateDir = path.join(dir, 'replaced');
    fs.mkdirSync(stateDir);
    const pipeline = reloadPipelines('reload-replaced', stateDir).compile(1);
    const transport = createEmbeddedTransport({ path: path.join(stateDir, 'log.db') });
    const build = (p: Pipeline) => createPipelineApp({ pipeline: p, transport, logger: createLogger('reload'), stateDir, instanceId: 'i1' });
    const swappable = new SwappableApp({ pipeline, app: build(pipeline) }, build);
    await swappable.app.start();
    const before = swappable.current.app.engine;
    const next = { ...pipeline, defaults: { ...pipeline.defaults, commitIntervalMs: 200 } };
    const applied = await swappable.apply(next, async () => {});
    expect(applied).toMatchObject({ replaced: 'the defaults changed (they apply to every task)' });
    expect(swappable.current.app.engine).not.toBe(before);
    expect(before.state).toBe('stopped');
    expect(swappable.app.engine.state).toBe('running');
    expect(swappable.pipeline.defaults.commitIntervalMs).toBe(200);
    // The same compiled form, but the preparation (the deployment check) asks for a replacement.
    const second = swappable.current.app.engine;
    const again = await swappable.apply({ ...next }, async () => 'the deployment check dropped local state (every task restores it)');
    expect(again).toMatchObject({ replaced: 'the deployment check dropped local state (every task restores it)' });
    expect(swappable.current.app.engine).not.toBe(second);
    expect(swappable.app.engine.state).toBe('running');
    await swappable.app.stop();
    await transport.close();
  }, 30_000);
});
