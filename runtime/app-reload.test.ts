/**
 * A pipeline change applied in place on the embedded log (`aura serve --watch`'s path:
 * SwappableApp.apply → engine.applyPipeline), with events flowing: two independent
 * sub-topologies, a context window (stateful) and a `map`; the map's config changes. The
 * window's tasks are the same objects before and after (never closed, never restored),
 * only the map's tasks were closed and created; every output of both is there exactly
 * once across the reload, the window's store equals the fold of the input, and what the
 * map wrote after the reload carries its new config. Then a sub-topology on a new topic is
 * added (the subscription follows, its tasks come through the assignment) and removed again,
 * the others' tasks the same objects throughout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { TaskStateManager } from '../state/index.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { compilePipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createPipelineApp } from './app.js';
import { SwappableApp } from './app-swap.js';
import type { EngineMetrics } from './metrics.js';
import { decodeValue, encodeValue } from './serde.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-reload-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const yaml = (version: number, extra = '') => `app: reload-test
defaults:
  partitions: 2
  processing: exactly_once
  commit_interval: 50ms
  state_dir: ${dir}
topics:
  user_events: { name: reload.user.events }
  context_aggregated: { name: reload.context.aggregated }
  raw_events: { name: reload.raw.events }
  stamped: { name: reload.stamped }
  other_events: { name: reload.other.events }
  other_out: { name: reload.other.out }
stores:
  user_context: { kind: key_value }
processors:
  aggregate_context:
    type: aggregate
    from: user_events
    to: context_aggregated
    store: user_context
    config:
      preset: context_window
      window: { type: context, max_events: 20, span: 7d }
  stamp:
    type: map
    from: raw_events
    to: stamped
    config:
      value: '{ "id": id, "v": ${version} }'
${extra}`;

/** A sub-topology of its own, on a topic nothing else reads. */
const OTHER = `  keep_other:
    type: filter
    from: other_events
    to: other_out
    config: { condition: "$exists(id)" }
`;

function compile(version: number, extra = ''): Pipeline {
  const file = path.join(dir, 'pipeline.yaml');
  const result = compilePipeline(yaml(version, extra), file, { env: {} });
  if (!result.pipeline) throw new Error(JSON.stringify(result.diagnostics));
  return result.pipeline;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a pipeline change applied in place', () => {
  it('keeps the unchanged sub-topology running untouched and exactly-once, restarts the changed one with its new config', async () => {
    const pipeline = compile(1);
    const window = pipeline.subtopologies.find((st) => st.stores.includes('user_context'))!;
    const stamp = pipeline.subtopologies.find((st) => st.nodes.includes('stamp'))!;
    expect(window.id).not.toBe(stamp.id);
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const build = (p: Pipeline, metrics?: EngineMetrics) =>
      createPipelineApp({ pipeline: p, transport, logger: createLogger('reload'), stateDir: dir, instanceId: 'i1', metrics });
    const first = build(pipeline);
    const swappable = new SwappableApp({ pipeline, app: first }, (p) => build(p, first.engine.metrics));
    const { app } = swappable;
    await app.start();
    const readable = new Map<string, number>();
    app.engine.onReadable((records) => {
      for (const r of records) readable.set(r.topic, (readable.get(r.topic) ?? 0) + 1);
    });

    // Events flow all along: 40 batches of 50 to both inputs, one every 15 ms.
    const events = makeEvents(2000, 60, 7);
    const writer = transport.producer({});
    const send = (topic: string, batch: UserEvent[]) =>
      writer.send(
        batch.map((e) => ({ topic, partition: transport.partitionFor(e.user_id, 2), key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })),
      );
    let sent = 0;
    const producing = (async () => {
      for (; sent < events.length; sent += 50) {
        const batch = events.slice(sent, sent + 50);
        await send(pipeline.topics.user_events!.name, batch);
        await send(pipeline.topics.raw_events!.name, batch);
        await sleep(15);
      }
    })();

    const count = (id: string) => readable.get(pipeline.topics[id]!.name) ?? 0;
    while (count('context_aggregated') < 300 || count('stamped') < 300) await sleep(10);
    const engine = swappable.current.app.engine;
    const windowTasks = [0, 1].map((p) => engine.tasks.get(`${window.id}_${p}`)!);
    const stampTasks = [0, 1].map((p) => engine.tasks.get(`${stamp.id}_${p}`)!);
    expect([...windowTasks, ...stampTasks].every((t) => t !== undefined)).toBe(true);
    const closedBefore = engine.metrics.taskClosedTotal;
    const createdBefore = engine.metrics.taskCreatedTotal;
    const restoresBefore = engine.metrics.restoreTotal;

    const next = compile(2);
    const applied = await swappable.apply(next, async () => {}, true);
    const sentAtReload = sent;
    expect('inPlace' in applied && applied.inPlace).toEqual({ inPlace: true, kept: [window.id], stopped: [stamp.id], started: [stamp.id] });
    expect(sentAtReload).toBeLessThan(events.length); // really while events flow

    // The same engine, the same window tasks; only the map's two tasks were closed and created.
    expect(swappable.current.app.engine).toBe(engine);
    expect(swappable.current.pipeline).toBe(next);
    expect(swappable.pipeline.nodes.stamp!.config).toEqual(next.nodes.stamp!.config);
    for (const [p, task] of windowTasks.entries()) expect(engine.tasks.get(`${window.id}_${p}`)).toBe(task);
    for (const [p, task] of stampTasks.entries()) expect(engine.tasks.get(`${stamp.id}_${p}`)).not.toBe(task);
    expect(engine.metrics.taskClosedTotal - closedBefore).toBe(2);
    expect(engine.metrics.taskCreatedTotal - createdBefore).toBe(2);
    expect(engine.metrics.restoreTotal - restoresBefore).toBe(0); // nothing to restore: the map has no state

    await producing;
    const outputsDone = () => count('context_aggregated') >= events.length && count('stamped') >= events.length;
    for (let i = 0; i < 600 && !outputsDone(); i++) await sleep(25);
    for (const [p, task] of windowTasks.entries()) expect(engine.tasks.get(`${window.id}_${p}`)).toBe(task);
    await app.stop();
    expect(engine.state).toBe('stopped');

    // Outputs as a read_committed reader sees them.
    const read = async (topic: string) => {
      const reader = transport.consumer({ isolation: 'read_committed' });
      await reader.assign([0, 1].map((partition) => ({ topic, partition, offset: 0 })));
      const out: Array<{ key: string; value: Record<string, unknown> }> = [];
      for (let empty = 0; empty < 3; ) {
        const batch = await reader.poll(10_000, 100);
        if (batch.length === 0) empty++;
        for (const r of batch) out.push({ key: r.key!, value: decodeValue(r.value) as Record<string, unknown> });
      }
      await reader.close();
      return out;
    };
    const perUser = new Map<string, UserEvent[]>();
    for (const e of events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);

    // The window: the n-th output of a user says n, each once; its store is the fold of the input.
    const windows = await read(pipeline.topics.context_aggregated!.name);
    expect(windows).toHaveLength(events.length);
    const versions = new Map<string, number[]>();
    for (const o of windows) versions.set(o.key, [...(versions.get(o.key) ?? []), o.value.version as number]);
    for (const [user, mine] of perUser) expect(versions.get(user), user).toEqual(mine.map((_, i) => i + 1));
    const left = new Set(perUser.keys());
    for (const p of [0, 1]) {
      const state = TaskStateManager.open({ stateDir: dir, app: pipeline.app, taskId: `${window.id}_${p}`, stores: [pipeline.stores.user_context!] });
      for (const [user, row] of state.keyValueStore<{ version: number; events: Array<{ id: string }> }>('user_context').all()) {
        const mine = perUser.get(user)!;
        expect(row.version, user).toBe(mine.length);
        expect(row.events.map((e) => e.id)).toEqual(mine.slice(-20).map((e) => e.id));
        left.delete(user);
      }
      state.close();
    }
    expect(left.size).toBe(0);

    // The map: every event once; v1 before the reload, v2 for everything sent after it.
    const stamped = await read(pipeline.topics.stamped!.name);
    expect(stamped.map((o) => o.value.id).sort()).toEqual(events.map((e) => e.id).sort());
    const version = new Map(stamped.map((o) => [o.value.id as string, o.value.v as number]));
    for (const e of events.slice(sentAtReload)) expect(version.get(e.id), e.id).toBe(2);
    // What was committed before the reload was written by the old config.
    expect([...version.values()].filter((v) => v === 1).length).toBeGreaterThanOrEqual(300);
    expect(new Set(version.values())).toEqual(new Set([1, 2]));

    await writer.close();
    await transport.close();
  }, 60_000);
});

describe('a sub-topology added and removed in place', () => {
  it('subscribes to its topic and creates its tasks through the assignment, then closes them; the others keep running throughout', async () => {
    const sub = path.join(dir, 'added');
    fs.mkdirSync(sub);
    const pipeline = compile(1);
    const transport = createEmbeddedTransport({ path: path.join(sub, 'log.db') });
    const build = (p: Pipeline) => createPipelineApp({ pipeline: p, transport, logger: createLogger('reload'), stateDir: sub, instanceId: 'i1' });
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

    const added = compile(1, OTHER);
    const other = added.subtopologies.find((st) => st.nodes.includes('keep_other'))!.id;
    const applied = await swappable.apply(added, async () => {}, true);
    expect('inPlace' in applied && applied.inPlace).toEqual({ inPlace: true, kept: [0, 1], stopped: [], started: [other] });
    await send('other_events', makeEvents(10, 5, 2));
    const outputs = (id: string) => readable.filter((t) => t === added.topics[id]!.name).length;
    expect(await until(() => outputs('other_out') === 10)).toBe(true);
    expect([...engine.tasks.keys()].sort()).toEqual([...before.keys(), `${other}_0`, `${other}_1`].sort());
    for (const [id, task] of before) expect(engine.tasks.get(id), id).toBe(task);

    const removed = compile(1);
    const back = await swappable.apply(removed, async () => {}, true);
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
