/**
 * Stream threads on a real broker: `aura run --threads 2` (child process) on
 * the per-user context window of runtime/fixtures/crash.yaml, 4 partitions,
 * exactly-once, while keyed events keep flowing. Both threads own tasks; the
 * whole process is killed with SIGKILL (its threads end with it) and restarted
 * with the same AURA_INSTANCE_ID (each thread's transactional id fences its
 * zombie's); then stopped cleanly. A read_committed reader sees every output
 * exactly once (versions 1..n per user) and the store's changelog folds to the
 * fold of the input, record by record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCrashFixtureExactlyOnce } from '../testing/support/crash-fixture-checks.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
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
import { encodeValue } from './serde.js';

/** Events flow until the restarted process runs: at most MAX_EVENTS. */
const MAX_EVENTS = 20_000;
const USERS = 200;
const PARTITIONS = 4;

const transport = kafkaTransport();
const dirs: string[] = [];
const running = new Set<AuraProcess>();

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await transport.close();
  if (!process.env.KEEP) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The tasks each thread (by its `thread` log field) owned at its last assignment, and the thread's pid. */
function threadsOf(p: AuraProcess): Map<number, { tasks: string[]; pid: number }> {
  const out = new Map<number, { tasks: string[]; pid: number }>();
  for (const l of p.logs('partitions assigned')) out.set(l.thread as number, { tasks: l.tasks as string[], pid: l.pid as number });
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('aura run --threads 2 on Kafka', () => {
  it('both threads own tasks; kill -9 of the process and a restart: every output once, the store equals the fold', async () => {
    const prefix = uniquePrefix('threads');
    const dir = tempDir('aura-threads');
    dirs.push(dir);
    const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
      ['app: crash-test', `app: ${prefix}`],
      [/name: crash\./g, `name: ${prefix}.`],
      ['partitions: 3', `partitions: ${PARTITIONS}`],
    ]);
    const pipeline = loadPipeline(file, { env: { ...process.env, AURA_STATE_DIR: dir } });
    const applied = await aura(['topics', 'apply', file], { AURA_STATE_DIR: dir });
    expect(applied.code, applied.err).toBe(0);
    const input = pipeline.topics.user_events!.name;
    let events: UserEvent[] = makeEvents(MAX_EVENTS, USERS, 31);
    const progress = () => committedTotal(transport, pipeline.app, input, PARTITIONS);
    const start = (): AuraProcess => {
      const p = auraRun(file, { instance: 'a', stateDir: path.join(dir, 'state'), env: { AURA_STATE_DIR: dir }, args: ['--threads', '2'] });
      running.add(p);
      void p.exited.then(() => running.delete(p));
      return p;
    };
    const bothOwnTasks = (p: AuraProcess) => {
      const t = threadsOf(p);
      return [1, 2].every((n) => (t.get(n)?.tasks.length ?? 0) > 0);
    };

    // Events flow in keyed batches while the process is killed and restarted.
    const producer = transport.producer({});
    let produced = 0;
    let enough = false;
    const flow = (async () => {
      while (produced < events.length && !enough) {
        const batch = events.slice(produced, produced + 40);
        await producer.send(batch.map((e) => ({ topic: input, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
        produced += batch.length;
        await sleep(30);
      }
      await producer.close();
    })();

    let a = start();
    await waitFor('both threads to own tasks', () => bothOwnTasks(a), 60_000);
    expect(a.output()).toContain('threads     2');
    const before = threadsOf(a);
    // Two group members of one process: the tasks split between them, none twice.
    expect([...before.values()].flatMap((t) => t.tasks).sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);
    await waitFor('progress before the kill', async () => (await progress()) > 1000, 60_000, 200);

    a.child.kill('SIGKILL');
    await a.exited;
    // Its threads end with it (their channel to it closes): no zombie keeps processing.
    await waitFor('the killed process’s threads to end', () => [...before.values()].every((t) => !alive(t.pid)), 10_000);
    const atKill = await progress();
    a = start(); // same instance id: thread n fences thread n's open transaction
    await waitFor('both restarted threads to own tasks', () => bothOwnTasks(a), 60_000);

    enough = true;
    await flow;
    events = events.slice(0, produced);
    await waitFor('every event processed', async () => (await progress()) >= events.length, 120_000, 300);
    expect(atKill).toBeLessThan(events.length); // the kill happened mid-stream
    expect(await progress()).toBe(events.length);
    a.child.kill('SIGTERM');
    expect(await a.exited, a.output().slice(-3000)).toBe(0);

    // Every output once, in order per user; the store's changelog folds to the fold of the input.
    await expectCrashFixtureExactlyOnce(transport, pipeline, events);
  }, 240_000);

  it('a thread that dies stops the others cleanly and fails the process, naming the thread', async () => {
    const prefix = uniquePrefix('threads-die');
    const dir = tempDir('aura-threads-die');
    dirs.push(dir);
    const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
      ['app: crash-test', `app: ${prefix}`],
      [/name: crash\./g, `name: ${prefix}.`],
      ['partitions: 3', `partitions: ${PARTITIONS}`],
      // The declaration, this time (the first test gives the flag).
      ['processing: exactly_once', 'processing: exactly_once\n  stream_threads: 2'],
    ]);
    const applied = await aura(['topics', 'apply', file], { AURA_STATE_DIR: dir });
    expect(applied.code, applied.err).toBe(0);
    const p = auraRun(file, { instance: 'b', stateDir: path.join(dir, 'state'), env: { AURA_STATE_DIR: dir } });
    running.add(p);
    await waitFor('both threads to own tasks', () => [1, 2].every((n) => (threadsOf(p).get(n)?.tasks.length ?? 0) > 0), 60_000);
    const { pid: victim } = threadsOf(p).get(2)!;
    const { pid: survivor } = threadsOf(p).get(1)!;
    process.kill(victim, 'SIGKILL');
    expect(await p.exited, p.output().slice(-3000)).toBe(1);
    running.delete(p);
    expect(p.output()).toContain(`aura run: the pipeline failed: stream thread 2 (pid ${victim}) died (signal SIGKILL) before it stopped`);
    // The other thread was stopped, not left behind: it said so and its process is gone.
    expect(p.logs('stream thread failed: stopping the others')).toHaveLength(1);
    expect(alive(survivor)).toBe(false);
  }, 120_000);
});
