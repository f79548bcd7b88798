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
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { decoded, inPlaceReloadScenario, OTHER_SUBTOPOLOGY, reloadPipelines } from '../testing/support/reload-scenario.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createPipelineApp } from './app.js';
import { SwappableApp } from './app-swap.js';
import { encodeValue } from './serde.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-reload-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const pipelines = reloadPipelines('reload-added', stateDir);
    const pipeline = pipelines.compile(1);
    const transport = createEmbeddedTransport({ path: path.join(stateDir, 'log.db') });
    const build = (p: Pipeline) => createPipelineApp({ pipeline: p, transport, logger: createLogger('reload'), stateDir, instanceId: 'i1' });
    const swappable = new SwappableApp({ pipeline, app: build(pipeline) }, build);
    await swappable.app.start();
    const engine = swappable.current.app.engine;
    const readable: string[] = [];
    engine.onReadable((records) => readable.push(...records.map((r) => r.topic)));
    const writer = transport.producer({});
    const send = (id: string, events: UserEvent[]) =>
      writer.send(events.map((e) => ({ topic: pipeline.topics[id]!.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 400 && !what(); i++) await sleep(25);
      return what();
    };
    await send('user_events', makeEvents(20, 5, 1));
    expect(await until(() => engine.tasks.size === 4 && readable.length >= 20)).toBe(true);
    const before = new Map(engine.tasks);

    const added = pipelines.compile(1, OTHER_SUBTOPOLOGY);
    const other = added.subtopologies.find((st) => st.nodes.includes('keep_other'))!.id;
    const applied = await swappable.apply(added, async () => {}, true);
    expect('inPlace' in applied && applied.inPlace).toEqual({ inPlace: true, kept: [0, 1], stopped: [], started: [other] });
    await send('other_events', makeEvents(10, 5, 2));
    const outputs = (id: string) => readable.filter((t) => t === added.topics[id]!.name).length;
    expect(await until(() => outputs('other_out') === 10)).toBe(true);
    expect([...engine.tasks.keys()].sort()).toEqual([...before.keys(), `${other}_0`, `${other}_1`].sort());
    for (const [id, task] of before) expect(engine.tasks.get(id), id).toBe(task);

    const back = await swappable.apply(pipelines.compile(1), async () => {}, true);
    expect('inPlace' in back && back.inPlace).toEqual({ inPlace: true, kept: [0, 1], stopped: [other], started: [] });
    expect(await until(() => engine.tasks.size === 4)).toBe(true);
    for (const [id, task] of before) expect(engine.tasks.get(id), id).toBe(task);
    // The topic is no longer read: what is written to it stays unprocessed, the rest goes on.
    await send('other_events', makeEvents(5, 5, 3));
    await send('user_events', makeEvents(5, 5, 4));
    expect(await until(() => outputs('context_aggregated') === 25)).toBe(true);
    expect(outputs('other_out')).toBe(10);
    expect(swappable.current.app.engine).toBe(engine);

    await swappable.app.stop();
    await writer.close();
    await transport.close();
  }, 30_000);
});
