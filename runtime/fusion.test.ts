/**
 * Fused sub-topologies on the embedded log (runtime/fixtures/fused.yaml: a
 * context window, a per-user count of the contexts, a pass-through): the same
 * outputs and stores as the unfused pipeline, record for record; the group's
 * offsets on the fused topics follow what the chain wrote, so a switch to
 * `fuse: false` re-processes nothing; records the group left in a fused topic
 * are processed once when the chain starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { TaskStateManager } from '../state/index.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport, type EmbeddedTransport } from '../transports/embedded/index.js';
import type { LogRecord } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { decodeValue, encodeValue } from './serde.js';
import { taskUnits } from './task-units.js';

const FILE = path.resolve(import.meta.dirname, 'fixtures/fused.yaml');
const OUTPUTS = ['context_aggregated', 'context_counts', 'context_final'] as const;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-fusion-'));
  dirs.push(d);
  return d;
};
const compile = (dir: string, fuse: boolean): Pipeline => loadPipeline(FILE, { env: { AURA_STATE_DIR: dir, FUSE: String(fuse) } });

/** Runs the pipeline on the log in `dir` until every event is committed, then stops it. */
async function run(dir: string, fuse: boolean, events: UserEvent[], before?: (t: EmbeddedTransport, p: Pipeline) => Promise<void>): Promise<Pipeline> {
  const pipeline = compile(dir, fuse);
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
  try {
    const app = createPipelineApp({ pipeline, transport, logger: createLogger('fusion-test', 'warn'), stateDir: dir, instanceId: 'i1' });
    const input = pipeline.topics.user_events!;
    await transport
      .admin()
      .createTopics([{ name: input.name, partitions: input.partitions, replication: 1, config: {} }])
      .catch(() => undefined);
    await before?.(transport, pipeline);
    await app.start();
    const producer = transport.producer({});
    await producer.send(events.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    await producer.close();
    // Done when the group has committed the end of every topic it reads from the log (unfused, the
    // readers of the intermediate topics finish after the writers).
    const read = taskUnits(pipeline).flatMap((u) => u.sourceTopics.map((id) => pipeline.topics[id]!));
    const tps = read.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p })));
    const probe = transport.consumer({ isolation: 'read_committed' });
    const caughtUp = async () => {
      const ends = await probe.endOffsets(tps);
      const committed = transport.offsets.committed(pipeline.app, tps);
      return ends.every((e, i) => Math.max(0, committed[i]!.offset) >= e.offset);
    };
    const deadline = Date.now() + 30_000;
    while (!(await caughtUp()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await app.stop();
    return pipeline;
  } finally {
    await transport.close();
  }
}

/** Every committed record of a topic, partition by partition. */
async function read(dir: string, pipeline: Pipeline, topicId: string): Promise<LogRecord[]> {
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
  try {
    const t = pipeline.topics[topicId]!;
    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign(Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p, offset: 0 })));
    const out: LogRecord[] = [];
    for (let batch = await reader.poll(100_000, 50); batch.length > 0; batch = await reader.poll(100_000, 50)) out.push(...batch);
    return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await transport.close();
  }
}

const values = (records: LogRecord[]) => records.map((r) => ({ partition: r.partition, key: r.key, value: decodeValue(r.value), timestamp: r.timestamp }));

function perUser(events: UserEvent[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const e of events) n.set(e.user_id, (n.get(e.user_id) ?? 0) + 1);
  return n;
}

/** Each output once per event, in order per user: contexts at versions 1..n, counts at 1..n. */
function expectOncePerEvent(records: Record<string, LogRecord[]>, events: UserEvent[]): void {
  const want = perUser(events);
  for (const topic of OUTPUTS) {
    expect(records[topic], topic).toHaveLength(events.length);
    const seen = new Map<string, number[]>();
    for (const r of records[topic]!) {
      const v = decodeValue(r.value) as { version: number; n?: number };
      seen.set(r.key!, [...(seen.get(r.key!) ?? []), topic === 'context_aggregated' ? v.version : v.n!]);
    }
    for (const [user, n] of want) expect(seen.get(user), `${topic} ${user}`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }
}

describe('fused sub-topologies on the embedded log', () => {
  it("run as one task per partition and give the unfused pipeline's outputs and stores, record for record", async () => {
    const events = makeEvents(1200, 30, 11);
    const fusedDir = tempDir();
    const apartDir = tempDir();
    const fused = await run(fusedDir, true, events);
    const apart = await run(apartDir, false, events);
    expect(taskUnits(fused).map((u) => u.members.map((m) => m.id))).toEqual([[0, 1, 2]]);
    expect(taskUnits(apart).map((u) => u.members.map((m) => m.id))).toEqual([[0], [1], [2]]);
    const outputs: Record<string, LogRecord[]> = {};
    for (const topic of OUTPUTS) {
      outputs[topic] = await read(fusedDir, fused, topic);
      expect(values(outputs[topic]!), topic).toEqual(values(await read(apartDir, apart, topic)));
    }
    expectOncePerEvent(outputs, events);
    // The reader's store lives in the chain's tasks (0_p) and equals the fold of its input.
    type Accs = { n: { n: number; v: number }; version: { n: number; v: number } };
    const counts = new Map<string, Accs>();
    for (let p = 0; p < fused.subtopologies[0]!.partitions; p++) {
      const state = TaskStateManager.open({
        stateDir: fusedDir,
        app: fused.app,
        taskId: `0_${p}`,
        stores: [fused.stores.context_count!, fused.stores.user_context!],
      });
      for (const [user, v] of state.keyValueStore<Accs>('context_count').all()) counts.set(user, v);
      state.close();
    }
    const want = perUser(events);
    expect([...counts.keys()].sort()).toEqual([...want.keys()].sort());
    // One count per context of the user, the last one at its last version.
    for (const [user, n] of want) expect(counts.get(user), user).toEqual({ n: { n, v: n }, version: { n, v: n } });
  }, 90_000);

  it('moves the group past what the chain wrote, so fuse: false afterwards re-processes nothing', async () => {
    const dir = tempDir();
    const events = makeEvents(900, 25, 12);
    const pipeline = await run(dir, true, events.slice(0, 600));
    // The group's offsets on the fused topics are their ends: a reader from the log has nothing left.
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
    for (const id of ['context_aggregated', 'context_counts']) {
      const t = pipeline.topics[id]!;
      const tps = Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p }));
      const ends = await transport.consumer({ isolation: 'read_committed' }).endOffsets(tps);
      expect(transport.offsets.committed(pipeline.app, tps), id).toEqual(ends);
    }
    await transport.close();
    // Unfused from here on: the readers consume the topics from the group's offsets.
    await run(dir, false, events.slice(600));
    const outputs = Object.fromEntries(await Promise.all(OUTPUTS.map(async (t) => [t, await read(dir, pipeline, t)] as const)));
    expectOncePerEvent(outputs, events);
  }, 90_000);

  it('processes first, once, what the group left in a fused topic', async () => {
    const dir = tempDir();
    const events = makeEvents(300, 10, 13);
    // Contexts already in the intermediate topic that the group never read (an unfused predecessor's
    // reader had not got to them): the count must include them, exactly once.
    const backlog = [...perUser(events).keys()].map((user) => ({ user_id: user, version: 0, key: user }));
    const pipeline = await run(dir, true, events, async (transport, p) => {
      const t = p.topics.context_aggregated!;
      await transport.admin().createTopics([{ name: t.name, partitions: t.partitions, replication: 1, config: {} }]);
      const producer = transport.producer({});
      await producer.send(backlog.map((v) => ({ topic: t.name, key: v.user_id, value: encodeValue(v), timestamp: Date.now() - 60_000 })));
      await producer.close();
    });
    const counts = await read(dir, pipeline, 'context_counts');
    const want = perUser(events);
    expect(counts).toHaveLength(events.length + backlog.length);
    const byUser = new Map<string, Array<{ n: number; version: number }>>();
    for (const r of counts) byUser.set(r.key!, [...(byUser.get(r.key!) ?? []), decodeValue(r.value) as { n: number; version: number }]);
    for (const [user, n] of want) {
      // The backlog record first (version 0), then one per event.
      expect(byUser.get(user)!.map((v) => v.version)).toEqual([0, ...Array.from({ length: n }, (_, i) => i + 1)]);
      expect(byUser.get(user)!.at(-1)!.n).toBe(n + 1);
    }
  }, 90_000);
});
