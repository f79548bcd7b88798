/**
 * A rolling restart on a real broker, under exactly-once, with two `aura run`
 * processes of one app (the per-user context window on 4 partitions) while
 * events keep flowing: each instance in turn is stopped (SIGTERM) and started
 * again with the same AURA_INSTANCE_ID and state directory. Static membership
 * and cooperative rebalancing make that invisible to the group: no partition
 * moves (the other instance sees no callback at all, each instance gets its
 * own tasks back), nothing is restored from the changelog (local state and
 * checkpoint are current), and every output exists exactly once.
 *
 * Then the cost that standby replicas would remove, measured: the same restart
 * with the state directory lost restores the instance's stores from the
 * changelogs (records and seconds are printed and asserted to be non-zero).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeValue } from '../runtime/serde.js';
import { expectCrashFixtureExactlyOnce } from '../testing/support/crash-fixture-checks.js';
import { makeEvents } from '../testing/support/events.js';
import {
  type AuraProcess,
  aura,
  auraRun,
  committedTotal,
  kafkaTransport,
  pipelineCopy,
  ROOT,
  sleep,
  tempDir,
  uniquePrefix,
  waitFor,
} from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';

const PARTITIONS = 4;
const USERS = 200;
const transport = kafkaTransport();
const running = new Set<AuraProcess>();
const prefix = uniquePrefix('rolling');
const dir = tempDir('aura-rolling');
const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
  ['app: crash-test', `app: ${prefix}`],
  ['name: crash.', `name: ${prefix}.`],
  ['partitions: 3', `partitions: ${PARTITIONS}`],
]);
const pipeline = loadPipeline(file, { env: { ...process.env, AURA_STATE_DIR: dir } });
const input = pipeline.topics.user_events!;

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await transport.close();
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

function start(instance: string, stateDir = path.join(dir, `state-${instance}`)): AuraProcess {
  // The session timeout covers a restart (static members keep their partitions that long).
  const p = auraRun(file, { instance, stateDir, env: { AURA_STATE_DIR: dir, KAFKA_SESSION_TIMEOUT_MS: '30000' } });
  running.add(p);
  void p.exited.then(() => {
    running.delete(p);
    if (process.env.KEEP) fs.appendFileSync(path.join(dir, `${instance}.log`), p.output());
  });
  return p;
}

const tasksOf = (p: AuraProcess) => (p.logs('partitions assigned').at(-1)?.tasks as string[] | undefined) ?? [];
const progress = () => committedTotal(transport, pipeline.app, input.name, PARTITIONS);

async function stop(p: AuraProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited, p.output().slice(-3000)).toBe(0);
}

/** Stops an instance and starts it again; the new process once it runs its tasks again. */
async function restart(p: AuraProcess, instance: string, stateDir?: string): Promise<{ next: AuraProcess; ms: number }> {
  const t0 = Date.now();
  await stop(p);
  const next = start(instance, stateDir);
  await waitFor(`${instance} to run its tasks again`, () => tasksOf(next).length > 0, 60_000);
  return { next, ms: Date.now() - t0 };
}

describe('rolling restart on Kafka (exactly-once, static membership, cooperative rebalancing)', () => {
  it('moves no partition, restores no record, and every output exists exactly once', async () => {
    expect((await aura(['topics', 'apply', file], { AURA_STATE_DIR: dir })).code).toBe(0);
    const events = makeEvents(20_000, USERS, 31);
    const producer = transport.producer({});
    let produced = 0;
    let flowing = true;
    const flow = (async () => {
      while (produced < events.length && (flowing || produced < 2000)) {
        const batch = events.slice(produced, produced + 20);
        await producer.send(batch.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
        produced += batch.length;
        await sleep(40);
      }
      await producer.close();
    })();

    let a = start('a');
    let b = start('b');
    await waitFor('both instances to own partitions, evenly', () => tasksOf(a).length === 2 && tasksOf(b).length === 2, 90_000);
    await waitFor('progress', async () => (await progress()) > 500, 60_000, 200);
    const owned = { a: [...tasksOf(a)].sort(), b: [...tasksOf(b)].sort() };

    // a, then b: stop, start again with the same id and state.
    const callbacks = (p: AuraProcess) => ({ assigned: p.logs('partitions assigned').length, revoked: p.logs('partitions revoked').length });
    const bBefore = callbacks(b);
    const ra = await restart(a, 'a');
    a = ra.next;
    const mark = produced;
    await waitFor('progress after restarting a', async () => (await progress()) >= mark, 60_000, 200);
    const bDuringA = callbacks(b);
    const aBefore = callbacks(a);
    const rb = await restart(b, 'b');
    b = rb.next;
    await sleep(2_000);
    // The partner never saw a rebalance (no callback at all), and the restarted one was assigned once.
    expect(bDuringA).toEqual(bBefore);
    expect(callbacks(a)).toEqual(aBefore);
    expect(aBefore).toEqual({ assigned: 1, revoked: 0 });
    expect(callbacks(b)).toEqual({ assigned: 1, revoked: 0 });
    // Each got its own tasks back, and restored nothing: local state and checkpoints were current.
    expect([...tasksOf(a)].sort()).toEqual(owned.a);
    expect([...tasksOf(b)].sort()).toEqual(owned.b);
    for (const p of [a, b]) {
      const restores = p.logs('state restored');
      expect(restores.length).toBeGreaterThan(0);
      for (const r of restores) expect(r.restored).toBe(0);
    }
    console.log(`[rolling] restart of a: ${ra.ms} ms, of b: ${rb.ms} ms (stop, start, tasks running again)`);

    // Without its state directory (a new machine) the same restart restores from the changelog.
    const lost = await restart(a, 'a', path.join(dir, 'state-a-new'));
    a = lost.next;
    await waitFor('the restore to finish', () => a.logs('state restored').length > 0, 60_000);
    const restored = a.logs('state restored').reduce((n, r) => n + (r.restored as number), 0);
    const restoreMs = a.logs('state restored').reduce((n, r) => n + (r.ms as number), 0);
    expect(restored).toBeGreaterThan(0);
    expect([...tasksOf(a)].sort()).toEqual(owned.a);
    console.log(`[rolling] restart without local state: ${lost.ms} ms; restored ${restored} records in ${restoreMs} ms`);

    flowing = false;
    await flow;
    const done = events.slice(0, produced);
    await waitFor('every event processed', async () => (await progress()) >= done.length, 120_000, 300);
    await stop(a);
    await stop(b);
    running.clear();
    await expectCrashFixtureExactlyOnce(transport, pipeline, done);
  }, 300_000);
});
