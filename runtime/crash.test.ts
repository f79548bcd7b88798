/**
 * Crash test on the embedded transport: `aura run` is killed with SIGKILL in
 * the middle of the stream, restarted, and let finish. Under exactly-once,
 * every input produces exactly one committed output and every store equals
 * the fold of the input — nothing lost, nothing applied twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskStateManager } from '../state/index.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { makeEvents } from '../testing/support/events.js';
import { encodeValue, decodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FILE = path.join(ROOT, 'runtime/fixtures/crash.yaml');
const EVENTS = 30_000;
const USERS = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-crash-'));
const stateDir = path.join(dir, 'state');
const logPath = path.join(stateDir, 'embedded-log.db');
const env = { ...process.env, AURA_STATE_DIR: stateDir, AURA_LOG_LEVEL: 'warn' };
const pipeline = loadPipeline(FILE, { env });
const input = pipeline.topics.user_events!;
const output = pipeline.topics.context_aggregated!;

const logs: string[] = [];

function start(): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', FILE], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => logs.push(String(d)));
  child.stdout!.on('data', (d) => logs.push(String(d)));
  return child;
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/**
 * Progress while the child runs, read straight from the log's SQLite file: the embedded log
 * belongs to one process (opening it recovers, i.e. aborts, open transactions), so the test
 * peeks read-only instead of opening a second transport on it.
 */
function committedTotal(): number {
  if (!fs.existsSync(logPath)) return 0;
  const db = new Database(logPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT COALESCE(SUM(off), 0) AS n FROM committed_offsets WHERE group_id = ? AND topic = ?').get(pipeline.app, input.name) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

afterAll(() => {
  if (process.env.KEEP) fs.writeFileSync(path.join(dir, 'child.log'), logs.join(''));
  else fs.rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 of aura run under exactly-once', () => {
  it('leaves every output exactly once and every store equal to the fold of the input', async () => {
    const events = makeEvents(EVENTS, USERS, 3);
    {
      fs.mkdirSync(stateDir, { recursive: true });
      const transport = createEmbeddedTransport({ path: logPath });
      await transport.connect();
      await transport.admin().createTopics([{ name: input.name, partitions: input.partitions, replication: 1, config: {} }]);
      const producer = transport.producer({});
      await producer.send(events.map((e) => ({ topic: input.name, partition: transport.partitionFor(e.user_id, input.partitions), key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
      await producer.close();
      await transport.close();
    }

    // Kill twice in the middle of the stream, each time once some progress was committed.
    for (let kill = 0; kill < Number(process.env.KILLS ?? 2); kill++) {
      const child = start();
      const before = committedTotal();
      const deadline = Date.now() + 60_000;
      while ((committedTotal()) <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await exited(child);
      const after = committedTotal();
      expect(after).toBeGreaterThan(before);
      expect(after).toBeLessThan(EVENTS); // really mid-stream
    }

    const child = start();
    const deadline = Date.now() + 120_000;
    while ((committedTotal()) < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(committedTotal()).toBe(EVENTS);

    // Outputs, as a read_committed consumer sees them: one per input event, versions 1..n per user.
    const transport = createEmbeddedTransport({ path: logPath });
    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign(Array.from({ length: output.partitions }, (_, p) => ({ topic: output.name, partition: p, offset: 0 })));
    const versions = new Map<string, number[]>();
    let seen = 0;
    for (let empty = 0; empty < 3; ) {
      const batch = await reader.poll(10_000, 100);
      if (batch.length === 0) empty++;
      for (const r of batch) {
        const v = decodeValue(r.value) as { user_id: string; version: number };
        versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
        seen++;
      }
    }
    await reader.close();
    await transport.close();
    expect(seen).toBe(EVENTS);
    const perUser = new Map<string, number>();
    for (const e of events) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
    for (const [user, n] of perUser) expect(versions.get(user)).toEqual(Array.from({ length: n }, (_, i) => i + 1));

    // Stores: the fold of the input (version = events of the user, window = their last 20 event ids).
    const st = pipeline.subtopologies[0]!;
    for (let p = 0; p < st.partitions; p++) {
      const state = TaskStateManager.open({ stateDir, app: pipeline.app, taskId: `${st.id}_${p}`, stores: [pipeline.stores.user_context!] });
      for (const [user, value] of state.keyValueStore<{ version: number; events: Array<{ id: string }> }>('user_context').all()) {
        const mine = events.filter((e) => e.user_id === user);
        expect(value.version).toBe(mine.length);
        expect(value.events.map((e) => e.id)).toEqual(mine.slice(-20).map((e) => e.id));
        perUser.delete(user);
      }
      state.close();
    }
    expect(perUser.size).toBe(0);
  }, 240_000);
});
