/**
 * kill -9 of `aura run` with the aggregate emitting through the record cache
 * (`emit: on_commit`, a 64 KB cache that also evicts between commits), as in
 * runtime/crash.test.ts: killed twice mid-stream, restarted, let finish. Under
 * exactly-once each user's committed outputs are versions of its context in
 * increasing order, none twice, each the context after that many events, the
 * last one after all of them; fewer outputs than inputs (updates merged); and
 * the store (list-rows layout) equals the fold of the input.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../runtime/serde.js';
import { TaskStateManager } from '../../state/index.js';
import { makeEvents } from '../../testing/support/events.js';
import { loadPipeline } from '../../topology/compile.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILE = path.join(ROOT, 'processors/aggregate/fixtures/crash-on-commit.yaml');
const EVENTS = 15_000;
const USERS = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-crash-cache-'));
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

/** Committed input offsets, read-only from the log's SQLite file (as runtime/crash.test.ts does). */
function committedTotal(): number {
  if (!fs.existsSync(logPath)) return 0;
  const db = new Database(logPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT COALESCE(SUM(off), 0) AS n FROM committed_offsets WHERE group_id = ? AND topic = ?').get(pipeline.app, input.name) as {
      n: number;
    };
    return row.n;
  } finally {
    db.close();
  }
}

afterAll(() => {
  if (process.env.KEEP) fs.writeFileSync(path.join(dir, 'child.log'), logs.join(''));
  else fs.rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 of aura run with emit: on_commit under exactly-once', () => {
  it("commits each user's contexts in order, once each, ending with the fold of the input", async () => {
    const events = makeEvents(EVENTS, USERS, 5);
    {
      fs.mkdirSync(stateDir, { recursive: true });
      const transport = createEmbeddedTransport({ path: logPath });
      await transport.connect();
      await transport.admin().createTopics([{ name: input.name, partitions: input.partitions, replication: 1, config: {} }]);
      const producer = transport.producer({});
      await producer.send(
        events.map((e) => ({
          topic: input.name,
          partition: transport.partitionFor(e.user_id, input.partitions),
          key: e.user_id,
          value: encodeValue(e),
          timestamp: Date.parse(e.time),
        })),
      );
      await producer.close();
      await transport.close();
    }

    for (let kill = 0; kill < 2; kill++) {
      const child = start();
      const before = committedTotal();
      const deadline = Date.now() + 60_000;
      while (committedTotal() <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await exited(child);
      const after = committedTotal();
      expect(after).toBeGreaterThan(before);
      expect(after).toBeLessThan(EVENTS);
    }
    const child = start();
    const deadline = Date.now() + 120_000;
    while (committedTotal() < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(committedTotal()).toBe(EVENTS);

    const byUser = new Map<string, typeof events>();
    for (const e of events) byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e]);
    const transport = createEmbeddedTransport({ path: logPath });
    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign(Array.from({ length: output.partitions }, (_, p) => ({ topic: output.name, partition: p, offset: 0 })));
    const versions = new Map<string, number[]>();
    let seen = 0;
    for (let empty = 0; empty < 3; ) {
      const batch = await reader.poll(10_000, 100);
      if (batch.length === 0) empty++;
      for (const r of batch) {
        const v = decodeValue(r.value) as { user_id: string; version: number; last_event_id: string; window: { events: number } };
        const mine = byUser.get(v.user_id)!;
        // the context after `version` events of this user
        expect(v.last_event_id).toBe(mine[v.version - 1]!.id);
        expect(v.window.events).toBe(Math.min(v.version, 20));
        versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
        seen++;
      }
    }
    await reader.close();
    await transport.close();
    expect(seen).toBeLessThan(EVENTS); // merged: fewer outputs than inputs
    for (const [user, mine] of byUser) {
      const vs = versions.get(user)!;
      for (let i = 1; i < vs.length; i++) expect(vs[i]!).toBeGreaterThan(vs[i - 1]!);
      expect(vs.at(-1)).toBe(mine.length);
    }

    const st = pipeline.subtopologies[0]!;
    const left = new Set(byUser.keys());
    for (let p = 0; p < st.partitions; p++) {
      const state = TaskStateManager.open({ stateDir, app: pipeline.app, taskId: `${st.id}_${p}`, stores: [pipeline.stores.user_context!] });
      for (const [user, value] of state.keyValueStore<{ version: number; events: Array<{ id: string }> }>('user_context').all()) {
        const mine = byUser.get(user)!;
        expect(value.version).toBe(mine.length);
        expect(value.events.map((e) => e.id)).toEqual(mine.slice(-20).map((e) => e.id));
        left.delete(user);
      }
      state.close();
    }
    expect(left.size).toBe(0);
  }, 240_000);
});
