/**
 * `aura reset` on the embedded log, through `main()` on a real state
 * directory: the per-user context window (runtime/fixtures/crash.yaml) has
 * processed a stream; a dry run changes nothing; the reset refuses while an
 * `aura run` process holds the log; `--execute` moves the group's offsets,
 * re-creates the changelog empty and wipes the local state, after which the
 * same pipeline reprocesses the stream into exactly the same outputs. Also:
 * offsets by time and by shift, and usage errors.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { createPipelineApp } from '../runtime/app.js';
import { decodeValue, encodeValue } from '../runtime/serde.js';
import { ensureTopics } from '../runtime/topics.js';
import { auraInProcess } from '../testing/support/aura-in-process.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { partitionForKey } from '../transports/murmur2.js';
import type { LogRecord, Transport } from '../transports/types.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FILE = path.join(ROOT, 'runtime/fixtures/crash.yaml');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-reset-'));
const stateDir = path.join(dir, 'state');
const logPath = path.join(stateDir, 'embedded-log.db');
const env = { AURA_STATE_DIR: stateDir, KAFKA_BROKERS: '' };
const pipeline = loadPipeline(FILE, { env: { ...process.env, ...env } });
const input = pipeline.topics.user_events!;
const output = pipeline.topics.context_aggregated!;
const changelog = pipeline.topics['user_context-changelog']!;
const events = makeEvents(300, 20, 5);
const bookkeeping = [`${pipeline.app}-gateway-instances`, `${pipeline.app}-deployments`];
const tps = (t: { name: string; partitions: number }) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition }));

const reset = (...args: string[]) => auraInProcess(['reset', FILE, '--state-dir', stateDir, ...args], env);

/** Opens the log, runs `work`, closes it (one process owns the log: the CLI opens it again after). */
async function withLog<T>(work: (t: Transport) => Promise<T>): Promise<T> {
  const transport = createEmbeddedTransport({ path: logPath, maintenanceIntervalMs: 0 });
  try {
    return await work(transport);
  } finally {
    await transport.close();
  }
}

/** Runs the pipeline until the group committed every input record, then stops it. */
async function runToEnd(): Promise<void> {
  await withLog(async (transport) => {
    const app = createPipelineApp({ pipeline, transport, logger: createLogger('reset-test', 'silent'), stateDir });
    await app.start();
    const admin = transport.admin();
    const end = (await admin.offsetsFor(tps(input), 'latest')).reduce((n, o) => n + o.offset, 0);
    for (const deadline = Date.now() + 30_000; ; ) {
      const done = (await admin.groupOffsets(pipeline.app, tps(input))).reduce((n, o) => n + Math.max(0, o.offset), 0);
      if (done >= end) break;
      if (Date.now() > deadline) throw new Error(`pipeline did not catch up: ${done} of ${end}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await app.stop();
  });
}

async function readAll(transport: Transport, topic: { name: string; partitions: number }): Promise<LogRecord[]> {
  const reader = transport.consumer({ isolation: 'read_committed' });
  const ends = await reader.endOffsets(tps(topic));
  await reader.assign(tps(topic).map((tp) => ({ ...tp, offset: 0 })));
  const out: LogRecord[] = [];
  while (ends.some((e) => (reader.position(e) ?? 0) < e.offset)) out.push(...(await reader.poll(1000, 20)));
  await reader.close();
  return out;
}

/** `user:version:last_event_id` of every output, in order per user. */
const outputsOf = (records: LogRecord[]) =>
  records
    .map((r) => decodeValue(r.value) as { user_id: string; version: number; last_event_id: string })
    .map((v) => `${v.user_id}:${v.version}:${v.last_event_id}`);

beforeAll(async () => {
  await withLog(async (transport) => {
    await ensureTopics(pipeline, transport.admin(), 'create', createLogger('reset-test', 'silent'));
    // The app's bookkeeping topics, as the gateway and `aura run` create them.
    await transport.admin().createTopics(bookkeeping.map((name) => ({ name, partitions: 1, replication: 1, config: { 'cleanup.policy': 'compact' } })));
    const producer = transport.producer({});
    await producer.send(events.map((e: UserEvent) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    await producer.close();
  });
}, 60_000);

afterAll(() => {
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

describe('aura reset on the embedded log', () => {
  let firstRun: string[];

  it('prints the plan and changes nothing without --execute', async () => {
    await runToEnd();
    firstRun = outputsOf(await withLog((t) => readAll(t, output)));
    expect(firstRun).toHaveLength(events.length);
    const before = await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)));
    const res = await reset();
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/dry run \(nothing changes; add --execute\)/);
    expect(res.out).toMatch(/group crash-test: empty, 0 member\(s\)/);
    for (const o of before) expect(res.out).toContain(`${o.topic}[${o.partition}] ${o.offset} → 0 (-${o.offset})`);
    expect(res.out).toContain(`delete internal topics: ${[changelog.name, ...bookkeeping].join(', ')}`);
    expect(res.out).toMatch(/wipe local state .*crash-test: 3 task\(s\) \(0_0, 0_1, 0_2\)/);
    expect(res.out).toMatch(/run again with --execute/);
    expect(await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)))).toEqual(before);
    expect(fs.existsSync(path.join(stateDir, pipeline.app, '0_0', 'state.db'))).toBe(true);
  });

  it('refuses while an aura run process holds the log, and changes nothing', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', FILE, '--state-dir', stateDir], {
      env: { ...process.env, ...env, AURA_LOG_LEVEL: 'info' },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    try {
      for (const deadline = Date.now() + 30_000; !output.includes('partitions assigned'); ) {
        if (Date.now() > deadline) throw new Error(`aura run did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await reset('--execute');
      expect(res.code).toBe(1);
      expect(res.err).toMatch(new RegExp(`in use by process ${child.pid}`));
      expect(res.err).toMatch(/a reset needs every instance stopped/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(fs.existsSync(path.join(stateDir, pipeline.app, '0_0', 'state.db'))).toBe(true);
  }, 60_000);

  it('--execute moves the offsets, re-creates the changelog empty, wipes local state; the rerun reproduces every output', async () => {
    const res = await reset('--execute');
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/reset done: 3 offsets moved, 3 topics deleted, 1 changelogs re-created, local state wiped/);
    await withLog(async (t) => {
      const admin = t.admin();
      expect((await admin.groupOffsets(pipeline.app, tps(input))).map((o) => o.offset)).toEqual([0, 0, 0]);
      expect((await admin.offsetsFor(tps(changelog), 'latest')).map((o) => o.offset)).toEqual([0, 0, 0]);
      const topics = await admin.listTopics();
      expect(topics.find((x) => x.name === changelog.name)).toMatchObject({ partitions: changelog.partitions, config: { 'cleanup.policy': 'compact' } });
      for (const name of bookkeeping) expect(topics.map((x) => x.name)).not.toContain(name);
    });
    expect(fs.existsSync(path.join(stateDir, pipeline.app))).toBe(false);
    expect(fs.existsSync(logPath)).toBe(true); // the log itself is never touched

    await runToEnd();
    const all = outputsOf(await withLog((t) => readAll(t, output)));
    expect(all).toHaveLength(2 * events.length);
    // State was rebuilt from nothing: the second pass is the first one again, version by version.
    expect([...all].sort()).toEqual([...firstRun, ...firstRun].sort());
  }, 60_000);

  it('moves inputs to a time or by a shift, clamped to what the log holds', async () => {
    const cut = Date.parse(events[200]!.time);
    const res = await reset('--to-datetime', new Date(cut).toISOString(), '--execute');
    expect(res.code, res.err).toBe(0);
    const expected = tps(input).map(
      (tp) => events.filter((e) => Date.parse(e.time) < cut && partitionForKey(e.user_id, input.partitions) === tp.partition).length,
    );
    const atTime = await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)));
    expect(atTime.map((o) => o.offset)).toEqual(expected);

    const shifted = await reset('--shift-by', '-5', '--execute');
    expect(shifted.code, shifted.err).toBe(0);
    const after = await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)));
    expect(after.map((o) => o.offset)).toEqual(expected.map((n) => Math.max(0, n - 5)));

    const back = await reset('--shift-by', '100000', '--execute');
    expect(back.code, back.err).toBe(0);
    const ends = await withLog((t) => t.admin().offsetsFor(tps(input), 'latest'));
    expect((await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)))).map((o) => o.offset)).toEqual(ends.map((o) => o.offset));
  }, 60_000);

  it('--local-only wipes the state directory and nothing else (the other machines of a reset app)', async () => {
    expect((await reset('--to-earliest', '--execute')).code).toBe(0);
    await runToEnd();
    const before = await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)));
    expect(fs.existsSync(path.join(stateDir, pipeline.app))).toBe(true);
    // A process with a task's database open (an instance running on this state directory): refused.
    const open = new Database(path.join(stateDir, pipeline.app, '0_1', 'state.db'));
    open.pragma('journal_mode = WAL');
    open.prepare('SELECT COUNT(*) FROM _checkpoint').get();
    try {
      const busy = await reset('--local-only', '--execute');
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(/refused — the local state of task 0_1 in .* is open by a running process: stop it first/);
      expect(fs.existsSync(path.join(stateDir, pipeline.app, '0_0', 'state.db'))).toBe(true);
    } finally {
      open.close();
    }
    const res = await reset('--local-only', '--execute');
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/offsets and topics: left as they are \(--local-only\)/);
    expect(res.out).toMatch(/reset done: local state wiped \(offsets and topics untouched\)/);
    expect(fs.existsSync(path.join(stateDir, pipeline.app))).toBe(false);
    expect(await withLog((t) => t.admin().groupOffsets(pipeline.app, tps(input)))).toEqual(before);
    expect((await withLog((t) => t.admin().offsetsFor(tps(changelog), 'latest'))).some((o) => o.offset > 0)).toBe(true);
  }, 60_000);

  it('answers usage errors with exit code 2', async () => {
    expect((await reset('--to-latest', '--shift-by', '3')).code).toBe(2);
    const noZone = await reset('--to-datetime', '2026-05-01T08:00:00');
    expect(noZone.code).toBe(2);
    expect(noZone.err).toMatch(/needs a time zone/);
    expect((await reset('--by-duration', 'soon')).code).toBe(2);
  });
});
