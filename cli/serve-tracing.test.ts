/**
 * Tracing in `aura serve` as a process: started from OTEL_* before the engine,
 * the spans of a request exported on SIGTERM (the batch delay is longer than
 * the test: only the flush on stop can deliver them), and a bad OTEL_* value
 * refused at start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../testing/support/otlp-receiver.js';
import { contextWindowPipeline } from '../testing/support/small-pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-serve-tracing-'));
const file = path.join(dir, 'pipeline.yaml');
fs.writeFileSync(file, contextWindowPipeline('serve-tracing', 'trace'));
const baseEnv = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_LOG_LEVEL: 'info', KAFKA_BROKERS: '', AURA_JWT_SECRET: '', AURA_DEV_AUTH: '' };

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function serve(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file, '--port', '0'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => out };
}

describe('aura serve with OTEL_*', () => {
  it('traces a request and exports its spans when stopped', async () => {
    const receiver = await OtlpReceiver.start();
    const p = serve({ ...baseEnv, ...receiver.env({ OTEL_SERVICE_NAME: 'aura-serve-test', OTEL_BSP_SCHEDULE_DELAY: '600000' }) });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"gateway listening"/.exec(p.output());
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          }
        }, 50);
        void p.exited.then((code) => reject(new Error(`aura serve exited with ${code}:\n${p.output()}`)));
      });
      expect(p.output()).toContain('tracing on: OTLP export');
      const tokenRes = await fetch(`${url}/api/dev/token`, {
        method: 'POST',
        body: JSON.stringify({ user_id: 'me' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(tokenRes.status, p.output()).toBe(201);
      const { token } = (await tokenRes.json()) as { token: string };
      const res = await fetch(`${url}/api/holistic/mood-entries`, {
        method: 'POST',
        body: JSON.stringify({ score: 6 }),
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          traceparent: '00-11112222333344445555666677778888-1111222233334444-01',
        },
      });
      expect(res.status).toBe(201);
      let context: Response | undefined;
      for (let i = 0; i < 100 && context?.status !== 200; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50));
        context = await fetch(`${url}/api/users/me/context`, { headers: { authorization: `Bearer ${token}` } });
      }
      expect(context!.status).toBe(200);
      expect(receiver.requests).toBe(0); // nothing exported yet: the batch waits
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
    const trace = receiver.spans.filter((s) => s.traceId === '11112222333344445555666677778888');
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['POST /api/holistic/mood-entries', 'send trace.user.events', 'process aggregate_context']));
    const byName = new Map(trace.map((s) => [s.name, s]));
    expect(byName.get('process aggregate_context')!.parentSpanId).toBe(byName.get('send trace.user.events')!.spanId);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['aura-serve-test']));
    await receiver.close();
  }, 60_000);

  it('refuses a bad OTEL_* value before starting anything', async () => {
    const p = serve({ ...baseEnv, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('OTEL_TRACES_SAMPLER=sometimes: expected one of always_on');
    expect(p.output()).not.toContain('aura serve: serve-tracing'); // the start-up summary: nothing was opened
  }, 30_000);
});
