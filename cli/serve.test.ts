/**
 * `aura serve` as a process: the pipeline and the gateway on the embedded log,
 * bound to loopback, development auth when no key is configured (said
 * loudly), a clean stop on SIGTERM; a bad key configuration, or no key on a
 * public address or in the Docker image, fails before anything starts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextWindowPipeline } from '../testing/support/small-pipeline.js';
import { dockerfileStages } from '../testing/support/stack-files.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-serve-'));
// A small pipeline (no embedder: no model download in a test); the gateway serves what it has topics for.
const file = path.join(dir, 'pipeline.yaml');
fs.writeFileSync(file, contextWindowPipeline('serve-test', 'serve'));
const baseEnv = {
  ...process.env,
  AURA_STATE_DIR: path.join(dir, 'state'),
  AURA_VECTOR_DB: path.join(dir, 'vectors.db'),
  AURA_LOG_LEVEL: 'info',
  KAFKA_BROKERS: '',
};

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('aura serve', () => {
  it('runs the pipeline and the gateway, in development auth mode without a key, and stops on SIGTERM', async () => {
    const env = { ...baseEnv, AURA_JWT_SECRET: '', AURA_JWT_PUBLIC_KEY: '', AURA_DEV_AUTH: '' };
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file, '--port', '0'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          }
        }, 50);
        void exited.then((code) => reject(new Error(`aura serve exited with ${code}:\n${out}`)));
      });
      expect(out).toContain('DEVELOPMENT MODE');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/); // loopback unless AURA_HOST says otherwise
      expect(out).toContain('bound to 127.0.0.1');
      expect(out).toContain('/api/dev/token');
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const tokenRes = await fetch(`${url}/api/dev/token`, {
        method: 'POST',
        body: JSON.stringify({ user_id: 'me' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(tokenRes.status).toBe(201);
      const { token } = (await tokenRes.json()) as { token: string };
      const res = await fetch(`${url}/api/holistic/mood-entries/`, {
        method: 'POST',
        body: JSON.stringify({ score: 6 }),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(201);
      let context: Response | undefined;
      for (let i = 0; i < 100 && context?.status !== 200; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50)); // 404 until the aggregate processed it
        context = await fetch(`${url}/api/users/me/context`, { headers: { authorization: `Bearer ${token}` } });
      }
      expect(context!.status).toBe(200);
      expect(((await context!.json()) as { window: { version: number } }).window.version).toBe(1);
      expect(out).toContain('DEVELOPMENT TOKEN ISSUED');
      // The secret persists in the state directory: tokens survive a restart.
      expect(fs.readFileSync(path.join(dir, 'state', 'dev-jwt-secret'), 'utf8').trim().length).toBeGreaterThan(30);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses to start with a JWT secret too short for HS256', async () => {
    const env = { ...baseEnv, AURA_JWT_SECRET: 'short' };
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(err).toContain('AURA_JWT_SECRET must be at least 32 characters');
  }, 30_000);

  it('refuses to start without a key on a public address or in the Docker image, unless development auth is asked for', async () => {
    const runtime = dockerfileStages(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).find((st) => st.name === 'runtime')!;
    const dockerEnv: Record<string, string> = {};
    for (const i of runtime.instructions.filter((x) => x.instr === 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) dockerEnv[m[1]!] = m[2]!;
    const noKey = { AURA_JWT_SECRET: '', AURA_JWT_PUBLIC_KEY: '', AURA_DEV_AUTH: '' };
    const attempt = (env: Record<string, string>) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file, '--port', '0'], {
        env: { ...baseEnv, ...noKey, ...env },
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (d) => (err += String(d)));
      return new Promise<{ code: number | null; err: string }>((resolve) => child.once('exit', (code) => resolve({ code, err })));
    };
    const [publicHost, docker] = await Promise.all([
      attempt({ AURA_HOST: '0.0.0.0' }),
      attempt({
        ...dockerEnv,
        AURA_STATE_DIR: path.join(dir, 'state-docker'),
        AURA_VECTOR_DB: path.join(dir, 'vectors-docker.db'),
        AURA_MODEL_DIR: path.join(dir, 'no-model'),
      }),
    ]);
    for (const r of [publicHost, docker]) {
      expect(r.code).toBe(1);
      expect(r.err).toContain('no JWT key');
    }
    expect(docker.err).toContain('AURA_DEV_AUTH=1');
  }, 30_000);
});
