/**
 * Crash test on the embedded transport: `aura run` is killed with SIGKILL in
 * the middle of the stream, restarted, and let finish. Under exactly-once,
 * every input produces exactly one committed output and every store equals
 * the fold of the input — nothing lost, nothing applied twice. Twice: the
 * context window alone, and a fused chain (runtime/fixtures/fused.yaml), where
 * a kill lands in the middle of the chain: after it, everything since the
 * last commit is redone from the chain's input.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskStateManager } from '../state/index.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { decodeValue, encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const USERS = 300;

interface Scenario {
  name: string;
  file: string;
  events: number;
  /** Output topic ids, and what each output record says about its user: the n-th output of the user says n. */
  outputs: Record<string, (value: Record<string, unknown>) => number>;
  /** Each store: the sub-topology whose tasks hold it, and the row a user with these events must have. */
  stores: Record<string, (row: Record<string, unknown>, mine: UserEvent[]) => void>;
}

const contextWindow = (row: Record<string, unknown>, mine: UserEvent[]) => {
  const v = row as { version: number; events: Array<{ id: string }> };
  expect(v.version).toBe(mine.length);
  expect(v.events.map((e) => e.id)).toEqual(mine.slice(-20).map((e) => e.id));
};

const scenarios: Scenario[] = [
  {
    name: 'the context window (one sub-topology)',
    file: 'runtime/fixtures/crash.yaml',
    events: 30_000,
    outputs: { context_aggregated: (v) => v.version as number },
    stores: { user_context: contextWindow },
  },
  {
    name: 'a fused chain of three sub-topologies, killed in the middle of the chain',
    file: 'runtime/fixtures/fused.yaml',
    events: 20_000,
    outputs: {
      context_aggregated: (v) => v.version as number,
      context_counts: (v) => v.n as number,
      context_final: (v) => v.version as number,
    },
    stores: {
      user_context: contextWindow,
      context_count: (row, mine) => expect(row).toEqual({ n: { n: mine.length, v: mine.length }, version: { n: mine.length, v: mine.length } }),
    },
  },
];

const logs: string[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) {
    if (process.env.KEEP) fs.writeFileSync(path.join(dir, 'child.log'), logs.join(''));
    else fs.rmSync(dir, { recursive: true, force: true });
  }
});

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe.each(scenarios)('kill -9 of aura run under exactly-once: $name', (s) => {
  it('leaves every output exactly once and every store equal to the fold of the input', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-crash-'));
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    const logPath = path.join(stateDir, 'embedded-log.db');
    const env = { ...process.env, AURA_STATE_DIR: stateDir, AURA_LOG_LEVEL: 'warn' };
    const file = path.join(ROOT, s.file);
    const pipeline = loadPipeline(file, { env });
    const input = pipeline.topics.user_events!;
    const start = (): ChildProcess => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr!.on('data', (d) => logs.push(String(d)));
      child.stdout!.on('data', (d) => logs.push(String(d)));
      return child;
    };
    /**
     * Progress while the child runs, read straight from the log's SQLite file: the embedded log
     * belongs to one process (opening it recovers, i.e. aborts, open transactions), so the test
     * peeks read-only instead of opening a second transport on it.
     */
    const committedTotal = (): number => {
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
    };

    const events = makeEvents(s.events, USERS, 3);
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

    // Kill twice in the middle of the stream, each time once some progress was committed.
    for (let kill = 0; kill < Number(process.env.KILLS ?? 2); kill++) {
      const child = start();
      const before = committedTotal();
      const deadline = Date.now() + 60_000;
      while (committedTotal() <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await exited(child);
      const after = committedTotal();
      expect(after).toBeGreaterThan(before);
      expect(after).toBeLessThan(s.events); // really mid-stream
    }

    const child = start();
    const deadline = Date.now() + 120_000;
    while (committedTotal() < s.events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(committedTotal()).toBe(s.events);

    // Outputs, as a read_committed consumer sees them: one per input event, 1..n per user.
    const perUser = new Map<string, UserEvent[]>();
    for (const e of events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);
    const transport = createEmbeddedTransport({ path: logPath });
    for (const [topicId, counter] of Object.entries(s.outputs)) {
      const output = pipeline.topics[topicId]!;
      const reader = transport.consumer({ isolation: 'read_committed' });
      await reader.assign(Array.from({ length: output.partitions }, (_, p) => ({ topic: output.name, partition: p, offset: 0 })));
      const seen = new Map<string, number[]>();
      let total = 0;
      for (let empty = 0; empty < 3; ) {
        const batch = await reader.poll(10_000, 100);
        if (batch.length === 0) empty++;
        for (const r of batch) {
          const v = decodeValue(r.value) as Record<string, unknown>;
          seen.set(r.key!, [...(seen.get(r.key!) ?? []), counter(v)]);
          total++;
        }
      }
      await reader.close();
      expect(total, topicId).toBe(s.events);
      for (const [user, mine] of perUser) expect(seen.get(user), `${topicId} ${user}`).toEqual(mine.map((_, i) => i + 1));
    }
    await transport.close();

    // Stores: the fold of the input, in the tasks that hold them (a fused chain's: its head's).
    for (const [storeId, check] of Object.entries(s.stores)) {
      const owner = pipeline.subtopologies.find((st) => st.stores.includes(storeId))!;
      const taskSt = owner.fusedInto ?? owner.id;
      const left = new Set(perUser.keys());
      for (let p = 0; p < owner.partitions; p++) {
        const state = TaskStateManager.open({ stateDir, app: pipeline.app, taskId: `${taskSt}_${p}`, stores: [pipeline.stores[storeId]!] });
        for (const [user, row] of state.keyValueStore<Record<string, unknown>>(storeId).all()) {
          check(row, perUser.get(user)!);
          left.delete(user);
        }
        state.close();
      }
      expect(left.size, storeId).toBe(0);
    }
  }, 240_000);
});
