/**
 * The process-wide policy for unhandled errors of the long-running commands,
 * in a child process (it is about the process): an unhandled rejection and an
 * uncaught exception are logged with their stack and the process keeps
 * running; a storm of them is logged up to the limit, then counted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SUPERVISE = path.resolve(import.meta.dirname, 'supervise.ts');

function run(body: string): { status: number | null; lines: Array<Record<string, unknown>>; stdout: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-guard-'));
  const file = path.join(dir, 'child.ts');
  fs.writeFileSync(
    file,
    `import { guardProcess } from ${JSON.stringify(SUPERVISE)};
const lines: unknown[] = [];
const logger = { error: (o: object, msg: string) => lines.push({ ...o, msg }), warn() {}, info() {}, debug() {} };
guardProcess(logger as never, 'aura test');
${body}
setTimeout(() => { process.stdout.write(JSON.stringify(lines) + '\\nALIVE\\n'); }, 300);
`,
  );
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
    const stdout = r.stdout ?? '';
    const json = stdout.split('\n')[0] ?? '[]';
    return { status: r.status, lines: json.startsWith('[') ? (JSON.parse(json) as Array<Record<string, unknown>>) : [], stdout: stdout + (r.stderr ?? '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('guardProcess', () => {
  it('logs an unhandled rejection and an uncaught exception with their stack, and keeps the process alive', () => {
    const r = run(`void Promise.reject(new Error('rejected in a request'));
setTimeout(() => { throw new TypeError('thrown in a socket handler'); }, 10);`);
    expect(r.stdout).toContain('ALIVE');
    expect(r.status).toBe(0);
    expect(r.lines.map((l) => [l.kind, l.err])).toEqual([
      ['unhandledRejection', 'rejected in a request'],
      ['uncaughtException', 'thrown in a socket handler'],
    ]);
    expect(String(r.lines[1]!.stack)).toContain('TypeError: thrown in a socket handler');
    expect(String(r.lines[0]!.msg)).toMatch(/keeps running/);
  });

  it('logs at most 20 a minute, then only counts', () => {
    const r = run(`for (let i = 0; i < 100; i++) void Promise.reject(new Error('storm ' + i));`);
    expect(r.stdout).toContain('ALIVE');
    expect(r.lines).toHaveLength(20);
    expect(r.lines.at(-1)!.err).toBe('storm 19');
  });
});

describe('holdStopSignals', () => {
  it('keeps a SIGTERM received during start-up and stops cleanly once supervised, instead of dying by it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-held-'));
    const file = path.join(dir, 'child.mts'); // ESM: top-level await
    fs.writeFileSync(
      file,
      `import { holdStopSignals, superviseUntilDone } from ${JSON.stringify(SUPERVISE)};
const held = holdStopSignals();
process.kill(process.pid, 'SIGTERM'); // while the pipeline starts
await new Promise((r) => setTimeout(r, 200));
process.stdout.write('STARTED\\n');
let end = () => {};
const done = new Promise<void>((r) => (end = r));
let stops = 0;
const app = { engine: { done }, stop: async () => { stops++; end(); }, resources: { close: async () => {} } };
const logger = { info() {}, warn() {}, error() {}, debug() {} };
const code = await superviseUntilDone({ app: app as never, transport: { close: async () => {} } as never, logger: logger as never, label: 'aura test', held });
process.stdout.write('EXIT ' + code + ' STOPS ' + stops + '\\n');
`,
    );
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('STARTED\n');
      expect(r.stdout).toContain('EXIT 0 STOPS 1\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
