/**
 * What the in-memory tail must not change, seen from outside the process that wrote: a second
 * log instance on the file and another process read what was committed, and a process killed
 * in the middle of its commits loses none it had acknowledged.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Consumer, LogRecord } from '../types.js';
import { createEmbeddedTransport } from './index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PER_TXN = 20;

/** A child process: `write` commits transaction after transaction (printing `acked <n>` after each), `read` prints every committed value. */
const CHILD = `
import { createEmbeddedTransport } from ${JSON.stringify(path.join(ROOT, 'transports/embedded/index.ts'))};
const [mode, file] = process.argv.slice(2);
const t = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
if (mode === 'read') {
  const c = t.consumer({ isolation: 'read_committed' });
  await c.assign([{ topic: 'o', partition: 0, offset: 0 }]);
  const values = [];
  for (let b = await c.poll(1000, 0); b.length > 0; b = await c.poll(1000, 0)) values.push(...b.map((r) => r.value.toString()));
  process.stdout.write(JSON.stringify(values));
  await t.close();
} else {
  if (!(await t.admin().listTopics()).includes('o')) await t.admin().createTopics([{ name: 'o', partitions: 1, replication: 1, config: {} }]);
  const p = t.producer({ transactionalId: 'crash' });
  for (let n = 0; ; n++) {
    await p.beginTransaction();
    await p.send(Array.from({ length: ${PER_TXN} }, (_, j) => ({ topic: 'o', partition: 0, key: 'k' + j, value: Buffer.from(n + ':' + j) })));
    await p.commitTransaction();
    process.stdout.write('acked ' + n + '\\n');
    await new Promise((r) => setImmediate(r));
  }
}
`;

let dir: string;
let file: string;
let script: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-log-processes-'));
  file = path.join(dir, 'log.db');
  script = path.join(dir, 'child.mts');
  fs.writeFileSync(script, CHILD);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the child; `killAfterAcks` SIGKILLs it once that many commits were acknowledged (plus a random few ms). */
function child(mode: 'read' | 'write', killAfterAcks = 0): Promise<{ stdout: string; acked: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', script, mode, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let acked = -1;
    let killing = false;
    c.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const m of stdout.matchAll(/acked (\d+)\n/g)) acked = Math.max(acked, Number(m[1]));
      if (killAfterAcks > 0 && acked >= killAfterAcks && !killing) {
        killing = true;
        setTimeout(() => c.kill('SIGKILL'), Math.random() * 20);
      }
    });
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      if (mode === 'read' && code !== 0) reject(new Error(`reader exited ${code} ${signal}: ${stderr}`));
      else if (mode === 'write' && signal !== 'SIGKILL') reject(new Error(`writer exited ${code}: ${stderr}`));
      else resolve({ stdout, acked });
    });
  });
}

async function readAll(c: Consumer): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let b = await c.poll(1000, 0); b.length > 0; b = await c.poll(1000, 0)) out.push(...b);
  return out;
}

describe('embedded log: committed records outside the writing process', () => {
  it('loses no acknowledged commit when the writer is killed mid-commit, and the tail of the next process serves what SQLite holds', async () => {
    const { acked } = await child('write', 15);
    expect(acked).toBeGreaterThanOrEqual(15);

    const t = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
    try {
      const c = t.consumer({ isolation: 'read_committed' });
      await c.assign([{ topic: 'o', partition: 0, offset: 0 }]);
      const values = (await readAll(c)).map((r) => r.value!.toString());
      // Every acknowledged transaction whole, in order; at most the one in flight besides, and whole too.
      const txns = values.length / PER_TXN;
      expect(Number.isInteger(txns)).toBe(true);
      expect(txns === acked + 1 || txns === acked + 2).toBe(true);
      expect(values).toEqual(Array.from({ length: values.length }, (_, i) => `${Math.floor(i / PER_TXN)}:${i % PER_TXN}`));

      // This process appends (one transaction aborted) and reads back from its tail.
      const p = t.producer({ transactionalId: 'next' });
      for (const [n, outcome] of [
        [100, 'commit'],
        [101, 'abort'],
        [102, 'commit'],
      ] as const) {
        await p.beginTransaction();
        await p.send([{ topic: 'o', partition: 0, key: 'k', value: Buffer.from(`${n}:0`) }]);
        await (outcome === 'commit' ? p.commitTransaction() : p.abortTransaction());
      }
      const mine = (await readAll(c)).map((r) => r.value!.toString());
      expect(mine).toEqual(['100:0', '102:0']);
      expect(t.log.served.memory).toBe(2);
      await t.close();

      // Another process sees exactly the committed records.
      const other = await child('read');
      expect(JSON.parse(other.stdout)).toEqual([...values, ...mine]);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('a second log instance on the same file reads what the first committed', async () => {
    const a = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
    try {
      await a.admin().createTopics([{ name: 'o', partitions: 1, replication: 1, config: {} }]);
      const p = a.producer({ transactionalId: 'w' });
      for (let n = 0; n < 5; n++) {
        await p.beginTransaction();
        await p.send([{ topic: 'o', partition: 0, key: `k${n}`, value: Buffer.from(`v${n}`), headers: { n: String(n) } }]);
        await p.commitTransaction();
      }
      const ca = a.consumer({ isolation: 'read_committed' });
      await ca.assign([{ topic: 'o', partition: 0, offset: 0 }]);
      const fromTail = await readAll(ca);
      expect(a.log.served).toEqual({ memory: 5, sqlite: 0 });

      const b = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
      try {
        const cb = b.consumer({ isolation: 'read_committed' });
        await cb.assign([{ topic: 'o', partition: 0, offset: 0 }]);
        const fromSqlite = await readAll(cb);
        expect(b.log.served).toEqual({ memory: 0, sqlite: 5 });
        expect(fromSqlite).toEqual(fromTail);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
