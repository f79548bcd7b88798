/**
 * The in-place reload scenario, shared by the embedded-log and the Kafka test
 * (runtime/app-reload.test.ts, runtime/app-reload.kafka.test.ts): two
 * independent sub-topologies — a context window (stateful) and a `map` — with
 * events flowing; the map's config changes and SwappableApp.apply (what
 * `aura serve --watch` calls) applies it. Checked: the window's tasks are the
 * same objects throughout (never closed, never restored), only the map's tasks
 * were closed and created; every output of both is there exactly once across
 * the reload, the window's store equals the fold of the input, and what the
 * map wrote after the reload carries its new config.
 */
import { expect } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp } from '../../runtime/app.js';
import { SwappableApp } from '../../runtime/app-swap.js';
import type { EngineMetrics } from '../../runtime/metrics.js';
import { decodeValue, encodeValue } from '../../runtime/serde.js';
import { TaskStateManager } from '../../state/index.js';
import { compilePipeline } from '../../topology/compile.js';
import type { Pipeline } from '../../topology/model.js';
import type { Transport } from '../../transports/types.js';
import { makeEvents, type UserEvent } from './events.js';

export interface ReloadPipelines {
  /** The pipeline with the map writing `"v": version`, and `extra` processors appended. */
  compile(version: number, extra?: string): Pipeline;
  /** Its YAML. */
  source(version: number, extra?: string): string;
}

/** A sub-topology of its own, on a topic nothing else reads (append it to the processors). */
export const OTHER_SUBTOPOLOGY = `  keep_other:
    type: filter
    from: other_events
    to: other_out
    config: { condition: "$exists(id)" }
`;

/** Pipelines of the scenario, named `<prefix>` (app) and `<prefix>.*` (topics), their state in `stateDir`. */
export function reloadPipelines(prefix: string, stateDir: string): ReloadPipelines {
  const yaml = (version: number, extra: string) => `app: ${prefix}
defaults:
  partitions: 2
  processing: exactly_once
  commit_interval: 50ms
  state_dir: ${stateDir}
topics:
  user_events: { name: ${prefix}.user.events }
  context_aggregated: { name: ${prefix}.context.aggregated }
  raw_events: { name: ${prefix}.raw.events }
  stamped: { name: ${prefix}.stamped }
  other_events: { name: ${prefix}.other.events }
  other_out: { name: ${prefix}.other.out }
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
  return {
    source: (version, extra = '') => yaml(version, extra),
    compile(version, extra = '') {
      const result = compilePipeline(yaml(version, extra), `${stateDir}/pipeline.yaml`, { env: {} });
      if (!result.pipeline) throw new Error(JSON.stringify(result.diagnostics));
      return result.pipeline;
    },
  };
}

export interface InPlaceScenario {
  transport: Transport;
  prefix: string;
  stateDir: string;
  /** Every record of a topic (2 partitions), as a read_committed reader sees it. */
  read(topic: string): Promise<Array<{ key: string; value: Record<string, unknown> }>>;
  /** How long the outputs may take to be complete after the last event was sent. */
  settleMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function inPlaceReloadScenario(s: InPlaceScenario): Promise<void> {
  const { transport, stateDir } = s;
  const pipelines = reloadPipelines(s.prefix, stateDir);
  const pipeline = pipelines.compile(1);
  const window = pipeline.subtopologies.find((st) => st.stores.includes('user_context'))!;
  const stamp = pipeline.subtopologies.find((st) => st.nodes.includes('stamp'))!;
  expect(window.id).not.toBe(stamp.id);
  const build = (p: Pipeline, metrics?: EngineMetrics) =>
    createPipelineApp({ pipeline: p, transport, logger: createLogger('reload'), stateDir, instanceId: 'i1', metrics });
  const first = build(pipeline);
  const swappable = new SwappableApp({ pipeline, app: first }, (p) => build(p, first.engine.metrics));
  const { app } = swappable;
  await app.start();
  const readable = new Map<string, number>();
  app.engine.onReadable((records) => {
    for (const r of records) readable.set(r.topic, (readable.get(r.topic) ?? 0) + 1);
  });
  const count = (id: string) => readable.get(pipeline.topics[id]!.name) ?? 0;

  // Events flow all along, in batches of 50 to both inputs, one every 15 ms: before the reload no
  // more than 400 ahead of the outputs (a broker's slow start does not turn into a backlog), then
  // on during the reload, and 500 more after it.
  const all = makeEvents(20_000, 60, 7);
  const writer = transport.producer({});
  const send = (topic: string, batch: UserEvent[]) =>
    writer.send(
      batch.map((e) => ({ topic, partition: transport.partitionFor(e.user_id, 2), key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })),
    );
  let sent = 0;
  /** The end of the last batch whose send began: a batch in flight while the reload is applied may meet either config. */
  let begun = 0;
  let reloading = false;
  let stopAt = all.length;
  const producing = (async () => {
    for (; sent < stopAt; sent += 50) {
      while (!reloading && sent - Math.min(count('context_aggregated'), count('stamped')) > 400) await sleep(10);
      const batch = all.slice(sent, sent + 50);
      begun = sent + batch.length;
      await send(pipeline.topics.user_events!.name, batch);
      await send(pipeline.topics.raw_events!.name, batch);
      await sleep(15);
    }
  })();

  try {
    for (let i = 0; i < s.settleMs / 10 && (count('context_aggregated') < 300 || count('stamped') < 300); i++) await sleep(10);
    expect(count('stamped')).toBeGreaterThanOrEqual(300);
    const engine = swappable.current.app.engine;
    const windowTasks = [0, 1].map((p) => engine.tasks.get(`${window.id}_${p}`)!);
    const stampTasks = [0, 1].map((p) => engine.tasks.get(`${stamp.id}_${p}`)!);
    expect([...windowTasks, ...stampTasks].every((t) => t !== undefined)).toBe(true);
    const closedBefore = engine.metrics.taskClosedTotal;
    const createdBefore = engine.metrics.taskCreatedTotal;
    const restoresBefore = engine.metrics.restoreTotal;

    const next = pipelines.compile(2);
    reloading = true;
    const applied = await swappable.apply(next, async () => {});
    // Every event from here on was sent after the reload was applied (not only acknowledged after it).
    const sentAtReload = begun;
    stopAt = sentAtReload + 500;
    expect('inPlace' in applied && applied.inPlace).toEqual({ inPlace: true, kept: [window.id], stopped: [stamp.id], started: [stamp.id] });

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
    const events = all.slice(0, sent);
    const outputsDone = () => count('context_aggregated') >= events.length && count('stamped') >= events.length;
    for (let i = 0; i < s.settleMs / 25 && !outputsDone(); i++) await sleep(25);
    for (const [p, task] of windowTasks.entries()) expect(engine.tasks.get(`${window.id}_${p}`)).toBe(task);
    await app.stop();
    expect(engine.state).toBe('stopped');

    const perUser = new Map<string, UserEvent[]>();
    for (const e of events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);

    // The window: the n-th output of a user says n, each once; its store is the fold of the input.
    const windows = await s.read(pipeline.topics.context_aggregated!.name);
    expect(windows).toHaveLength(events.length);
    const versions = new Map<string, number[]>();
    for (const o of windows) versions.set(o.key, [...(versions.get(o.key) ?? []), o.value.version as number]);
    for (const [user, mine] of perUser) expect(versions.get(user), user).toEqual(mine.map((_, i) => i + 1));
    const left = new Set(perUser.keys());
    for (const p of [0, 1]) {
      const state = TaskStateManager.open({ stateDir, app: pipeline.app, taskId: `${window.id}_${p}`, stores: [pipeline.stores.user_context!] });
      for (const [user, row] of state.keyValueStore<{ version: number; events: Array<{ id: string }> }>('user_context').all()) {
        const mine = perUser.get(user)!;
        expect(row.version, user).toBe(mine.length);
        expect(row.events.map((e) => e.id)).toEqual(mine.slice(-20).map((e) => e.id));
        left.delete(user);
      }
      state.close();
    }
    expect(left.size).toBe(0);

    // The map: every event once; what was committed before the reload by the old config, all sent after it by the new one.
    const stamped = await s.read(pipeline.topics.stamped!.name);
    expect(stamped.map((o) => o.value.id).sort()).toEqual(events.map((e) => e.id).sort());
    const version = new Map(stamped.map((o) => [o.value.id as string, o.value.v as number]));
    for (const e of events.slice(sentAtReload)) expect(version.get(e.id), e.id).toBe(2);
    expect([...version.values()].filter((v) => v === 1).length).toBeGreaterThanOrEqual(300);
    expect(new Set(version.values())).toEqual(new Set([1, 2]));
  } finally {
    await producing.catch(() => undefined);
    await app.stop().catch(() => undefined);
    await writer.close();
  }
}

/**
 * A sub-topology on a new topic added, then removed: the subscription follows (on Kafka an
 * incremental rebalance), its tasks come through the assignment and process its topic, then
 * are closed; the other tasks are the same objects throughout.
 */
export async function addedAndRemovedScenario(s: Omit<InPlaceScenario, 'read'>): Promise<void> {
  const { transport, stateDir } = s;
  const pipelines = reloadPipelines(s.prefix, stateDir);
  const pipeline = pipelines.compile(1);
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
    for (let i = 0; i < s.settleMs / 25 && !what(); i++) await sleep(25);
    return what();
  };
  await send('user_events', makeEvents(20, 5, 1));
  expect(await until(() => engine.tasks.size === 4 && readable.length >= 20)).toBe(true);
  const before = new Map(engine.tasks);

  const added = pipelines.compile(1, OTHER_SUBTOPOLOGY);
  const other = added.subtopologies.find((st) => st.nodes.includes('keep_other'))!.id;
  const applied = await swappable.apply(added, async () => {});
  expect('inPlace' in applied && applied.inPlace).toEqual({ inPlace: true, kept: [0, 1], stopped: [], started: [other] });
  await send('other_events', makeEvents(10, 5, 2));
  const outputs = (id: string) => readable.filter((t) => t === added.topics[id]!.name).length;
  expect(await until(() => outputs('other_out') === 10)).toBe(true);
  expect([...engine.tasks.keys()].sort()).toEqual([...before.keys(), `${other}_0`, `${other}_1`].sort());
  for (const [id, task] of before) expect(engine.tasks.get(id), id).toBe(task);

  const back = await swappable.apply(pipelines.compile(1), async () => {});
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
}

/** Decodes records read from a topic. */
export function decoded(records: Array<{ key: string | null; value: Buffer | null }>): Array<{ key: string; value: Record<string, unknown> }> {
  return records.map((r) => ({ key: r.key!, value: decodeValue(r.value) as Record<string, unknown> }));
}
