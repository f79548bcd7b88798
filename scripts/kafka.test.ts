/**
 * scripts/kafka.sh's guard on its ports: `start` refuses, saying who holds
 * it, when its port or controller port is taken by another process (before
 * this, its own broker died while the probe found the other one and reported
 * success), and adopts its own broker when only the pid file is gone. No Java
 * needed: the refusal comes before anything starts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, 'kafka.sh');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-kafka-sh-'));
const holders: ChildProcess[] = [];

afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A free port p with p + 1 free too. */
async function freePorts(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const next = await new Promise<boolean>((resolve) => {
      const s = net
        .createServer()
        .once('error', () => resolve(false))
        .listen(port + 1, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (next && port < 65_000) return port;
  }
}

/** A process listening on `port`, with `extra` on its command line. */
async function holdPort(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`, ...extra], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  holders.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

/** Asynchronous, so that this process reaps the holders the script kills. */
function script(args: string[], port: number): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: path.join(dir, `data-${port}`) };
  return new Promise((resolve) => {
    execFile(SCRIPT, args, { env, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout.trim(), err: stderr }));
  });
}

describe('scripts/kafka.sh start', () => {
  it('refuses when its port is taken by another process, and names it', async () => {
    const port = await freePorts();
    const holder = await holdPort(port);
    const r = await script(['start'], port);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`refusing to start: 127.0.0.1:${port} is taken by pid ${holder.pid}: ${process.execPath} -e`);
    expect(r.err).toContain(`That is not this script's broker (data ${dir}/data-${port})`);
    expect(fs.existsSync(path.join(dir, `data-${port}`))).toBe(false); // nothing formatted, nothing started
  });

  it('refuses when its controller port is taken', async () => {
    const port = await freePorts();
    await holdPort(port + 1);
    const r = await script(['start'], port);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`refusing to start: 127.0.0.1:${port + 1} is taken by pid`);
  });

  it('adopts its own broker when only the pid file is missing, instead of starting a second one', async () => {
    const port = await freePorts();
    const data = path.join(dir, `data-${port}`);
    const own = await holdPort(port, [`${data}/server.properties`]);
    const r = await script(['start'], port);
    expect(r.err).toContain(`already running (pid ${own.pid}, pid file restored)`);
    expect([r.code, r.out]).toEqual([0, `127.0.0.1:${port}`]);
    expect(await script(['status'], port)).toMatchObject({ code: 0, out: `127.0.0.1:${port}` });
    expect((await script(['kill'], port)).err).toContain(`killed (pid ${own.pid}, SIGKILL); data kept in ${data}`);
    expect((await script(['status'], port)).code).toBe(1);
  });
});
