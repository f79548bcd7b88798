/**
 * Exactly-once on a real broker, with `aura run` child processes of one app
 * (the per-user context window of runtime/fixtures/crash.yaml on 4 partitions,
 * its own topic names) while a few thousand keyed events keep flowing:
 *  - two instances, one of them killed with SIGKILL twice and restarted with
 *    the same AURA_INSTANCE_ID (its transactional id fences the zombie);
 *  - one instance, a second one started mid-stream (partitions move).
 *  - the same kill -9 in the middle of a fused chain (runtime/fixtures/fused.yaml:
 *    three sub-topologies in one task per partition).
 * Afterwards a read_committed reader sees every output exactly once (versions
 * 1..n per user) and the store's changelog folds to the fold of the input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foldChangelog } from '../testing/support/changelog.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import {
  type AuraProcess,
  aura,
  auraRun,
  committedTotal,
  kafkaTransport,
  pipelineCopy,
  ROOT,
  readTopic,
  sleep,
  tempDir,
  uniquePrefix,
  waitFor,
} from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { decodeValue, encodeValue } from './serde.js';

/** Events flow until the scenario is over: at least MIN_EVENTS, at most MAX_EVENTS. */
const MIN_EVENTS = 3000;
const MAX_EVENTS = 20_000;
const USERS = 250;
const PARTITIONS = 4;

// The `aura run` processes overlap their transactions (runtime/commit-pipeline.ts, opt-in): the
// riskier commit path is the one killed here; the other Kafka tests run the default (one at a time).
process.env.AURA_TRANSACTIONS_IN_FLIGHT ??= '2';

const transport = kafkaTransport();
const dirs: string[] = [];
const running = new Set<AuraProcess>();

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await transport.close();
  if (!process.env.KEEP) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Setup {
  pipeline: Pipeline;
  file: string;
  dir: string;
  events: UserEvent[];
  fused: boolean | 'lanes';
  processing: string;
}

/**
 * `fused`: runtime/fixtures/fused.yaml, a chain of three sub-topologies running as one task per
 * partition; `lanes`: runtime/fixtures/fused-lanes.yaml, a chain whose reader embeds, run with
 * AURA_COMMIT_LEAVES_LANE_WORK=1 (commits leave its lane work behind: runtime/lane-tracker.ts).
 */
async function setup(name: string, seed: number, processing = 'exactly_once', fused: boolean | 'lanes' = false): Promise<Setup> {
  const prefix = uniquePrefix(name);
  const dir = tempDir(`aura-${name}`);
  dirs.push(dir);
  const fixture = fused === 'lanes' ? 'fused-lanes' : fused ? 'fused' : 'crash';
  const app = { 'fused-lanes': 'lanes-test', fused: 'fused-test', crash: 'crash-test' }[fixture];
  const topicPrefix = { 'fused-lanes': 'lanes', fused: 'fused', crash: 'crash' }[fixture];
  const file = pipelineCopy(path.join(ROOT, `runtime/fixtures/${fixture}.yaml`), dir, [
    [`app: ${app}`, `app: ${prefix}`],
    [`name: ${topicPrefix}.`, `name: ${prefix}.`],
    ['partitions: 3', `partitions: ${PARTITIONS}`],
    ['processing: exactly_once', `processing: ${processing}`],
  ]);
  const pipeline = loadPipeline(file, { env: { ...process.env, AURA_STATE_DIR: dir } });
  const applied = await aura(['topics', 'apply', file], { AURA_STATE_DIR: dir });
  expect(applied.code, applied.err).toBe(0);
  if (fused === true) expect(pipeline.subtopologies.map((st) => st.fusedInto ?? null)).toEqual([null, 0, 0]);
  if (fused === 'lanes') expect(pipeline.subtopologies.map((st) => st.fusedInto ?? null)).toEqual([null, 0]);
  return { pipeline, file, dir, events: makeEvents(MAX_EVENTS, USERS, seed), fused, processing };
}

function start(s: Setup, instance: string): AuraProcess {
  // The lanes fixture tests the opt-in commit that leaves lane work to a later commit (task-graph.ts).
  const env: Record<string, string> = { AURA_STATE_DIR: s.dir };
  if (s.fused === 'lanes') env.AURA_COMMIT_LEAVES_LANE_WORK = '1';
  const p = auraRun(s.file, { instance, stateDir: path.join(s.dir, `state-${instance}`), env });
  running.add(p);
  void p.exited.then(() => {
    running.delete(p);
    // KEEP=1 keeps the temp dirs, with each process's output, for a post-mortem.
    if (process.env.KEEP) fs.appendFileSync(path.join(s.dir, `${instance}.log`), p.output());
  });
  return p;
}

interface Flow {
  produced(): number;
  /** Stops once at least MIN_EVENTS were produced; `s.events` becomes what was produced. */
  finish(): Promise<void>;
}

/** Produces keyed batches at a steady pace, so events flow while instances come and go. */
function startFlow(s: Setup, perBatch: number, everyMs: number): Flow {
  const producer = transport.producer({});
  const topic = s.pipeline.topics.user_events!.name;
  let produced = 0;
  let stop = false;
  const loop = (async () => {
    while (produced < s.events.length && !(stop && produced >= MIN_EVENTS)) {
      const batch = s.events.slice(produced, produced + perBatch);
      await producer.send(batch.map((e) => ({ topic, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
      produced += batch.length;
      await sleep(everyMs);
    }
    await producer.close();
  })();
  return {
    produced: () => produced,
    async finish() {
      stop = true;
      await loop;
      s.events = s.events.slice(0, produced);
    },
  };
}

const progress = (s: Setup) => committedTotal(transport, s.pipeline.app, s.pipeline.topics.user_events!.name, PARTITIONS);

async function stopAll(...ps: AuraProcess[]): Promise<void> {
  for (const p of ps) p.child.kill('SIGTERM');
  const codes = await Promise.all(ps.map((p) => p.exited));
  codes.forEach((code, i) => expect(code, ps[i]!.output().slice(-3000)).toBe(0));
}

/**
 * Every output exactly once for read_committed (at least once under at_least_once), and the
 * store's changelog folds to the fold of the input.
 */
async function expectExactlyOnce(s: Setup, exact = true): Promise<void> {
  const perUser = new Map<string, UserEvent[]>();
  for (const e of s.events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);

  const out = s.pipeline.topics.context_aggregated!;
  const versions = new Map<string, number[]>();
  const outputs = await readTopic(transport, out.name, out.partitions);
  const triggeredBy = new Set<string>();
  for (const r of outputs) {
    const v = decodeValue(r.value) as { user_id: string; version: number; last_event_id: string };
    versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
    triggeredBy.add(v.last_event_id);
  }
  if (s.fused === 'lanes') {
    // `emit: on_commit`: each user's contexts in version order, each version at most once, the last one complete.
    for (const [user, list] of perUser) {
      const got = versions.get(user) ?? [];
      expect(got, user).toEqual([...new Set(got)].sort((x, y) => x - y));
      expect(got.at(-1), user).toBe(list.length);
    }
  } else if (exact) {
    expect(outputs).toHaveLength(s.events.length);
    for (const [user, list] of perUser) expect(versions.get(user), user).toEqual(list.map((_, i) => i + 1));
  } else {
    // Redelivered inputs may repeat an output, but none may be missing.
    expect(s.events.filter((e) => !triggeredBy.has(e.id)).map((e) => e.id)).toEqual([]);
    expect(outputs.length).toBeGreaterThanOrEqual(s.events.length);
  }

  const changelog = s.pipeline.topics['user_context-changelog']!;
  const folded = foldChangelog<{ version: number; events: Array<{ id: string }> }>(
    await readTopic(transport, changelog.name, changelog.partitions),
    decodeValue,
  );
  expect(folded.size).toBe(perUser.size);
  for (const [user, list] of perUser) {
    const state = folded.get(user)!;
    expect(state.version, user).toBe(list.length);
    expect(state.events.map((e) => e.id)).toEqual(list.slice(-20).map((e) => e.id));
  }
  if (s.fused === 'lanes') await expectEmbeddedOnce(s, versions);
  if (s.fused === true && exact) await expectFusedChain(s, perUser);
  if (s.fused === true && !exact) {
    // At least once: every event reached the end of the chain (a replay may repeat some).
    const t = s.pipeline.topics.context_final!;
    const reached = new Set((await readTopic(transport, t.name, t.partitions)).map((r) => `${r.key}:${(decodeValue(r.value) as { version: number }).version}`));
    for (const [user, list] of perUser) list.forEach((_, i) => expect(reached.has(`${user}:${i + 1}`), `${user} version ${i + 1}`).toBe(true));
  }
}

/**
 * The rest of a fused chain: the count of contexts per user, and its pass-through, once per
 * event (n = 1..k per user), the count store's changelog at the fold, and the group's offsets on
 * the fused topics past every record written there (nothing left for a reader from the log).
 */
async function expectFusedChain(s: Setup, perUser: Map<string, UserEvent[]>): Promise<void> {
  for (const id of ['context_counts', 'context_final']) {
    const t = s.pipeline.topics[id]!;
    const outputs = await readTopic(transport, t.name, t.partitions);
    expect(outputs, id).toHaveLength(s.events.length);
    const seen = new Map<string, number[]>();
    for (const r of outputs) seen.set(r.key!, [...(seen.get(r.key!) ?? []), (decodeValue(r.value) as { version: number }).version]);
    for (const [user, list] of perUser) expect(seen.get(user), `${id} ${user}`).toEqual(list.map((_, i) => i + 1));
  }
  const changelog = s.pipeline.topics['context_count-changelog']!;
  const counts = new Map<string, unknown>();
  for (const r of await readTopic(transport, changelog.name, changelog.partitions)) counts.set(r.key!, decodeValue(r.value));
  for (const [user, list] of perUser)
    expect(counts.get(user), user).toEqual({ n: { n: list.length, v: list.length }, version: { n: list.length, v: list.length } });
  const consumer = transport.consumer({ groupId: s.pipeline.app, isolation: 'read_committed' });
  try {
    for (const id of ['context_aggregated', 'context_counts']) {
      const t = s.pipeline.topics[id]!;
      const tps = Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p }));
      const ends = await consumer.endOffsets(tps);
      const committed = await consumer.committed(tps);
      const last = new Map<number, number>();
      for (const r of await readTopic(transport, t.name, t.partitions)) last.set(r.partition, Math.max(last.get(r.partition) ?? -1, r.offset));
      // Past every committed record of the chain, not beyond the end: only transaction markers may
      // follow (the chain's commit cannot point past its own marker, and with overlapping
      // transactions the previous one's marker may come after this one's records).
      committed.forEach((c, i) => {
        expect(c.offset, `${t.name}[${c.partition}]`).toBeGreaterThan(last.get(c.partition) ?? -1);
        expect(c.offset, `${t.name}[${c.partition}]`).toBeLessThanOrEqual(ends[i]!.offset);
      });
    }
  } finally {
    await consumer.close();
  }
}

/**
 * The embedding chain: every context committed embedded exactly once, per user in version order,
 * and the group's offsets on the fused topic past every record written there once all is done.
 */
async function expectEmbeddedOnce(s: Setup, contexts: Map<string, number[]>): Promise<void> {
  const t = s.pipeline.topics.context_vectorized!;
  const outputs = await readTopic(transport, t.name, t.partitions);
  const seen = new Map<string, number[]>();
  for (const r of outputs) {
    const v = decodeValue(r.value) as { context: { version: number }; vector: number[] };
    expect(v.vector.length).toBe(384);
    seen.set(r.key!, [...(seen.get(r.key!) ?? []), v.context.version]);
  }
  expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(contexts));
  const fused = s.pipeline.topics.context_aggregated!;
  const consumer = transport.consumer({ groupId: s.pipeline.app, isolation: 'read_committed' });
  try {
    const tps = Array.from({ length: fused.partitions }, (_, p) => ({ topic: fused.name, partition: p }));
    const committed = await consumer.committed(tps);
    const last = new Map<number, number>();
    for (const r of await readTopic(transport, fused.name, fused.partitions)) last.set(r.partition, Math.max(last.get(r.partition) ?? -1, r.offset));
    for (const c of committed) expect(c.offset, `${fused.name}[${c.partition}]`).toBeGreaterThan(last.get(c.partition) ?? -1);
  } finally {
    await consumer.close();
  }
}

describe('exactly-once on Kafka with several aura run processes', () => {
  it.each([
    ['exactly_once', 'outputs exactly once'],
    ['at_least_once', 'no output lost'],
  ])(
    'survives kill -9 of one of two instances, twice (%s): %s, stores equal the fold',
    async (processing) => {
      const s = await setup(processing === 'exactly_once' ? 'eos-kill' : 'alos-kill', 21, processing);
      let a = start(s, 'a');
      const b = start(s, 'b');
      const flow = startFlow(s, 20, 40);

      let last = 0;
      for (let kill = 1; kill <= 2; kill++) {
        // Kill only once the instance owns partitions and the group made progress since the last kill.
        const current = a;
        await waitFor(
          `instance a to own partitions (kill ${kill})`,
          () => ((current.logs('partitions assigned').at(-1)?.tasks as string[] | undefined)?.length ?? 0) > 0,
          60_000,
        );
        await waitFor(`progress before kill ${kill}`, async () => (await progress(s)) > last + 300, 60_000, 200);
        a.child.kill('SIGKILL');
        await a.exited;
        last = await progress(s);
        await sleep(300);
        a = start(s, 'a'); // same instance id and state dir: fences the zombie's transaction
      }
      // Events kept flowing through both kills and restarts; the restarted instance takes part again.
      await waitFor(
        'the restarted instance to own partitions',
        () => ((a.logs('partitions assigned').at(-1)?.tasks as string[] | undefined)?.length ?? 0) > 0,
        60_000,
      );
      await flow.finish();
      await waitFor('every event processed', async () => (await progress(s)) >= s.events.length, 120_000, 300);
      expect(await progress(s)).toBe(s.events.length);
      await stopAll(a, b);
      await expectExactlyOnce(s, processing === 'exactly_once');
    },
    240_000,
  );

  it.each([
    ['exactly_once', 'every output of the chain once, both stores equal the fold'],
    ['at_least_once', 'no output of the chain lost'],
  ])(
    'survives kill -9 of one of two instances in the middle of a fused chain, twice (%s): %s',
    async (processing) => {
      const s = await setup(processing === 'exactly_once' ? 'eos-fused-kill' : 'alos-fused-kill', 24, processing, true);
      await killTwiceInTheMiddle(s);
    },
    240_000,
  );

  it('survives kill -9 of one of two instances while a fused chain embeds, twice: each context embedded once, the store equals the fold', async () => {
    const s = await setup('eos-lanes-kill', 25, 'exactly_once', 'lanes');
    await killTwiceInTheMiddle(s);
  }, 300_000);

  /** Two instances, events flowing, instance a killed -9 twice once it owns partitions and the group progressed. */
  async function killTwiceInTheMiddle(s: Setup): Promise<void> {
    {
      let a = start(s, 'a');
      const b = start(s, 'b');
      const flow = startFlow(s, 20, 40);
      let last = 0;
      for (let kill = 1; kill <= 2; kill++) {
        const current = a;
        await waitFor(
          `instance a to own partitions (kill ${kill})`,
          () => ((current.logs('partitions assigned').at(-1)?.tasks as string[] | undefined)?.length ?? 0) > 0,
          60_000,
        );
        await waitFor(`progress before kill ${kill}`, async () => (await progress(s)) > last + 300, 60_000, 200);
        a.child.kill('SIGKILL');
        await a.exited;
        last = await progress(s);
        await sleep(300);
        a = start(s, 'a');
      }
      await waitFor(
        'the restarted instance to own partitions',
        () => ((a.logs('partitions assigned').at(-1)?.tasks as string[] | undefined)?.length ?? 0) > 0,
        60_000,
      );
      await flow.finish();
      await waitFor('every event processed', async () => (await progress(s)) >= s.events.length, 120_000, 300);
      await stopAll(a, b);
      await expectExactlyOnce(s, s.processing === 'exactly_once');
    }
  }

  it('moves partitions to a second instance started mid-stream, nothing lost or processed twice', async () => {
    const s = await setup('eos-scale', 22);
    const a = start(s, 'a');
    const flow = startFlow(s, 20, 40);
    await waitFor('some progress on one instance', async () => (await progress(s)) > 600, 60_000, 200);
    const b = start(s, 'b');
    await waitFor('the second instance to own partitions', () => b.logs('partitions assigned').some((l) => (l.tasks as string[]).length > 0), 60_000);
    const moved = await progress(s);
    await waitFor('progress on both instances', async () => (await progress(s)) > moved + 600, 60_000, 200);
    await flow.finish();
    await waitFor('every event processed', async () => (await progress(s)) >= s.events.length, 120_000, 300);
    // Partitions moved: each instance ended up with some of them, none with all.
    const lastTasks = (p: AuraProcess) => (p.logs('partitions assigned').at(-1)!.tasks as string[]).length;
    expect(lastTasks(a)).toBeGreaterThan(0);
    expect(lastTasks(b)).toBeGreaterThan(0);
    expect(lastTasks(a) + lastTasks(b)).toBe(PARTITIONS);
    await stopAll(a, b);
    await expectExactlyOnce(s);
  }, 240_000);

  it('stops a zombie cleanly when another process starts with its instance id (fenced), and loses nothing', async () => {
    const s = await setup('eos-fence', 23);
    const zombie = start(s, 'a');
    const flow = startFlow(s, 20, 40);
    await waitFor('some progress', async () => (await progress(s)) > 600, 60_000, 200);
    // Same AURA_INSTANCE_ID, other state dir: its initTransactions fences the first process.
    const successor = auraRun(s.file, { instance: 'a', stateDir: path.join(s.dir, 'state-a2'), env: { AURA_STATE_DIR: s.dir } });
    running.add(successor);
    const ended = await Promise.race([zombie.exited, sleep(60_000).then(() => 'still running')]);
    // The zombie's log says where it was when it did not stop.
    expect(ended, ended === 1 ? '' : zombie.output().slice(-6000)).toBe(1);
    // Whichever the broker tells it first: its producer or its consumer (static membership) was fenced.
    expect(zombie.output()).toMatch(/instance "a" of eos-fence-\w+ was fenced: another process (took over its transactional id|joined its consumer group)/);
    await flow.finish();
    await waitFor('every event processed', async () => (await progress(s)) >= s.events.length, 120_000, 300);
    await stopAll(successor);
    await expectExactlyOnce(s);
  }, 240_000);
});
