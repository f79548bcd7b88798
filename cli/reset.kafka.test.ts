/**
 * `aura reset` on a real broker: refused while an `aura run` instance is in
 * the group (and, a static member, for the session timeout after it stopped);
 * then a dry run, a reset to a time, and a reset to the earliest offsets that
 * deletes the changelog and the app's bookkeeping topics, re-creates the
 * changelog empty and wipes the local state — after which the same pipeline
 * reprocesses the input into exactly the same outputs, once more each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../runtime/serde.js';
import { makeEvents } from '../testing/support/events.js';
import {
  type AuraProcess,
  aura,
  auraRun,
  committedTotal,
  kafkaTransport,
  pipelineCopy,
  ROOT,
  readTopic,
  tempDir,
  uniquePrefix,
  waitFor,
} from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';

const transport = kafkaTransport();
const dir = tempDir('aura-reset-kafka');
const prefix = uniquePrefix('reset');
const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
  ['app: crash-test', `app: ${prefix}`],
  ['name: crash.', `name: ${prefix}.`],
]);
const env = { AURA_STATE_DIR: dir };
const pipeline = loadPipeline(file, { env: { ...process.env, ...env } });
const input = pipeline.topics.user_events!;
const output = pipeline.topics.context_aggregated!;
const changelog = pipeline.topics['user_context-changelog']!;
const stateDir = path.join(dir, 'state');
const bookkeeping = [`${prefix}-gateway-instances`, `${prefix}-deployments`];
const events = makeEvents(400, 25, 9);
const tps = (t: { name: string; partitions: number }) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition }));
const running = new Set<AuraProcess>();
const reset = (...args: string[]) => aura(['reset', file, '--state-dir', stateDir, ...args], env);

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await transport.close();
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

function start(): AuraProcess {
  const p = auraRun(file, { instance: 'r1', stateDir, env });
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
}

async function runToEnd(): Promise<void> {
  const p = start();
  await waitFor(
    'every input processed',
    async () => (await committedTotal(transport, pipeline.app, input.name, input.partitions)) >= events.length,
    90_000,
    300,
  );
  p.child.kill('SIGTERM');
  expect(await p.exited, p.output().slice(-2000)).toBe(0);
}

const outputsOf = async () =>
  (await readTopic(transport, output.name, output.partitions))
    .map((r) => decodeValue(r.value) as { user_id: string; version: number; last_event_id: string })
    .map((v) => `${v.user_id}:${v.version}:${v.last_event_id}`);

describe('aura reset on Kafka', () => {
  it('refuses while the group has members, then resets offsets, internal topics and local state; the rerun reproduces every output', async () => {
    expect((await aura(['topics', 'apply', file], env)).code).toBe(0);
    await transport.admin().createTopics(bookkeeping.map((name) => ({ name, partitions: 1, replication: 1, config: { 'cleanup.policy': 'compact' } })));
    const producer = transport.producer({});
    await producer.send(events.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    await producer.close();

    // A live instance: refused, naming it.
    const live = start();
    await waitFor('the instance to own its tasks', () => live.logs('partitions assigned').some((l) => (l.tasks as string[]).length > 0), 60_000);
    const refused = await reset('--execute');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(new RegExp(`refused — group ${prefix} is stable with 1 member\\(s\\); stop every instance of ${prefix} first:\\n  r1 \\(`));
    expect(refused.err).toMatch(/Static members \(AURA_INSTANCE_ID\) stay in the group for the session timeout/);
    await waitFor(
      'every input processed',
      async () => (await committedTotal(transport, pipeline.app, input.name, input.partitions)) >= events.length,
      90_000,
      300,
    );
    live.child.kill('SIGTERM');
    expect(await live.exited).toBe(0);
    const firstRun = await outputsOf();
    expect(firstRun).toHaveLength(events.length);

    // A static member stays until its session times out (6 s here): then the group is empty.
    await waitFor('the group to be empty', async () => (await transport.admin().describeGroup(pipeline.app)).members.length === 0, 30_000, 500);

    const before = await transport.admin().groupOffsets(pipeline.app, tps(input));
    const dry = await reset();
    expect(dry.code, dry.err).toBe(0);
    for (const o of before) expect(dry.out).toContain(`${o.topic}[${o.partition}] ${o.offset} → 0 (-${o.offset})`);
    expect(dry.out).toContain(`delete internal topics: ${[changelog.name, ...bookkeeping].join(', ')}`);
    expect(await transport.admin().groupOffsets(pipeline.app, tps(input))).toEqual(before);

    // To a time: the first offset at or after it, per partition (Kafka's ListOffsets by timestamp).
    const cut = Date.parse(events[250]!.time);
    const atTime = await reset('--to-datetime', new Date(cut).toISOString(), '--execute');
    expect(atTime.code, atTime.err).toBe(0);
    const expected = tps(input).map(
      (tp) => events.filter((e) => Date.parse(e.time) < cut && transport.partitionFor(e.user_id, input.partitions) === tp.partition).length,
    );
    expect((await transport.admin().groupOffsets(pipeline.app, tps(input))).map((o) => o.offset)).toEqual(expected);
    expect(fs.existsSync(path.join(stateDir, pipeline.app))).toBe(false);

    // Back to the start, and run again: the state is rebuilt from the input alone.
    const full = await reset('--to-earliest', '--execute');
    expect(full.code, full.err).toBe(0);
    expect((await transport.admin().groupOffsets(pipeline.app, tps(input))).map((o) => o.offset)).toEqual(tps(input).map(() => 0));
    const topics = await transport.admin().listTopics();
    for (const name of bookkeeping) expect(topics.map((t) => t.name)).not.toContain(name);
    expect(topics.find((t) => t.name === changelog.name)?.partitions).toBe(changelog.partitions);
    expect(await readTopic(transport, changelog.name, changelog.partitions)).toEqual([]);

    await runToEnd();
    const all = await outputsOf();
    expect(all).toHaveLength(2 * events.length);
    expect([...all].sort()).toEqual([...firstRun, ...firstRun].sort());
  }, 240_000);
});
