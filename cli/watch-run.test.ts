/**
 * `aura run --watch` as a process on the embedded log: the same reload as `aura serve
 * --watch`, without a gateway. The input is written before the process starts (the
 * embedded log belongs to one process); while it is being processed, the `map` of one
 * sub-topology gets another config: the output says it was applied in place, restarting
 * only that sub-topology's tasks; the process stops cleanly on SIGTERM; then every input
 * has exactly one output on both sub-topologies (the map's from the old config or the new),
 * and the context window's store equals the fold of the input.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeValue } from '../runtime/serde.js';
import { TaskStateManager } from '../state/index.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { decoded, reloadPipelines } from '../testing/support/reload-scenario.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const EVENTS = 20_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-watch-run-'));
let child: ChildProcess | undefined;
let out = '';
afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the process wrote:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('aura run --watch', () => {
  it('applies a changed processor config in place, restarting only its sub-topology, every output once', async () => {
    const pipelines = reloadPipelines('watch-run', dir);
    const pipeline = pipelines.compile(1);
    const file = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(file, pipelines.source(1));
    const logPath = path.join(dir, 'embedded-log.db');
    const events = makeEvents(EVENTS, 60, 5);
    {
      const transport = createEmbeddedTransport({ path: logPath });
      await transport.connect();
      const producer = transport.producer({});
      for (const id of ['user_events', 'raw_events']) {
        const t = pipeline.topics[id]!;
        await transport.admin().createTopics([{ name: t.name, partitions: 2, replication: 1, config: {} }]);
        await producer.send(
          events.map((e: UserEvent) => ({
            topic: t.name,
            partition: transport.partitionFor(e.user_id, 2),
            key: e.user_id,
            value: encodeValue(e),
            timestamp: Date.parse(e.time),
          })),
        );
      }
      await producer.close();
      await transport.close();
    }
    const window = pipeline.subtopologies.find((st) => st.stores.includes('user_context'))!.id;
    const stamp = pipeline.subtopologies.find((st) => st.nodes.includes('stamp'))!.id;

    child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, '--watch'], {
      env: { ...process.env, AURA_LOG_LEVEL: 'info', KAFKA_BROKERS: '' },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    await until('the watcher', () => out.includes('aura run --watch: watching'));
    await until('processing', () => out.includes('"msg":"pipeline running"'));

    fs.writeFileSync(`${file}.tmp`, pipelines.source(2));
    fs.renameSync(`${file}.tmp`, file);
    await until('the reload', () => out.includes('--watch: applied'));
    expect(out).toMatch(new RegExp(`--watch: applied in \\d+ ms: in place; tasks restarted: ${stamp}_\\*; kept running: ${window}_\\*$`, 'm'));
    await until('every input processed', () => committed(logPath, pipeline.app) === 2 * EVENTS, 60_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const transport = createEmbeddedTransport({ path: logPath });
    const read = async (id: string) => {
      const reader = transport.consumer({ isolation: 'read_committed' });
      await reader.assign([0, 1].map((partition) => ({ topic: pipeline.topics[id]!.name, partition, offset: 0 })));
      const all = [];
      for (let empty = 0; empty < 3; ) {
        const batch = await reader.poll(10_000, 100);
        if (batch.length === 0) empty++;
        all.push(...batch);
      }
      await reader.close();
      return decoded(all);
    };
    const stamped = await read('stamped');
    const windows = await read('context_aggregated');
    await transport.close();
    // The map: every input once, from the old config or the new one — and the new one did write.
    expect(stamped.map((o) => o.value.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(new Set(stamped.map((o) => o.value.v))).toContain(2);
    expect(stamped.every((o) => o.value.v === 1 || o.value.v === 2)).toBe(true);
    // The window: the n-th output of a user says n, each once; the store is the fold.
    const mine = new Map<string, number>();
    for (const e of events) mine.set(e.user_id, (mine.get(e.user_id) ?? 0) + 1);
    const versions = new Map<string, number[]>();
    for (const o of windows) versions.set(o.key, [...(versions.get(o.key) ?? []), o.value.version as number]);
    for (const [user, n] of mine) expect(versions.get(user), user).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const left = new Set(mine.keys());
    for (const p of [0, 1]) {
      const state = TaskStateManager.open({ stateDir: dir, app: pipeline.app, taskId: `${window}_${p}`, stores: [pipeline.stores.user_context!] });
      for (const [user, row] of state.keyValueStore<{ version: number }>('user_context').all()) {
        expect(row.version, user).toBe(mine.get(user));
        left.delete(user);
      }
      state.close();
    }
    expect(left.size).toBe(0);
  }, 90_000);
});

/**
 * The group's committed input offsets, read straight from the log's SQLite file: the log belongs
 * to the running process (opening it as a transport would recover, i.e. abort, its transactions).
 */
function committed(logPath: string, group: string): number {
  const db = new Database(logPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COALESCE(SUM(off), 0) AS n FROM committed_offsets WHERE group_id = ?').get(group) as { n: number }).n;
  } finally {
    db.close();
  }
}
