/**
 * A pipeline change applied in place on the embedded log (`aura serve --watch`'s path:
 * SwappableApp.apply → engine.applyPipeline), with events flowing: two independent
 * sub-topologies, the map's config changes (testing/support/reload-scenario.ts: the
 * window's tasks the same objects, never closed or restored; every output of both once;
 * the store equal to the fold; the new config in what the map writes after the reload).
 * Then a sub-topology on a new topic is added (the subscription follows, its tasks come
 * through the assignment) and removed again, the others' tasks the same objects throughout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { addedAndRemovedScenario, decoded, inPlaceReloadScenario } from '../testing/support/reload-scenario.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';

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
