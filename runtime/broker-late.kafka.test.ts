/**
 * `aura serve` started before its broker (a cluster restarting, a broker
 * container still booting): it waits with backoff instead of exiting, its
 * gateway answers /readyz 503 saying what fails meanwhile, and once a real
 * broker (of this test's own, started 8 s late) answers it creates its topics,
 * starts the pipeline, turns ready and processes what the gateway accepts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../testing/support/gateway-harness.js';
import { type DedicatedBroker, dedicatedPort, startDedicatedBroker } from '../testing/support/kafka-dedicated-broker.js';
import { ROOT, sleep, tempDir, uniquePrefix, waitFor } from '../testing/support/kafka-harness.js';
import { contextWindowPipeline } from '../testing/support/small-pipeline.js';

const dir = tempDir('aura-broker-late');
const app = uniquePrefix('late');
let broker: DedicatedBroker | undefined;
let child: ChildProcess | undefined;

afterAll(async () => {
  child?.kill('SIGKILL');
  await broker?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('aura serve with the broker away at start', () => {
  it('waits, says 503 on /readyz meanwhile, and starts by itself when the broker comes', async () => {
    const port = dedicatedPort();
    const file = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(file, contextWindowPipeline(app, app, { processing: 'exactly_once', stateDir: `${dir}/state` }));
    const env = {
      ...process.env,
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      AURA_INSTANCE_ID: 'late-1',
      AURA_LOG_LEVEL: 'info',
      AURA_JWT_SECRET: TEST_SECRET,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file, '--port', '0', '--create-topics'], {
      env,
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve((exitCode = code))));
    const tail = () => out.slice(-4000);

    // No broker: the gateway listens and says why it is not ready.
    await waitFor('the gateway to listen', () => /"url":"http/.test(out) || exitCode !== undefined, 60_000);
    expect(exitCode, tail()).toBeUndefined();
    const url = /"url":"(http:\/\/[^"]+)"/.exec(out)![1]!;
    let readyz: { ready: boolean; engine: string; reasons: string[] } | undefined;
    await waitFor(
      'a connect retry on /readyz',
      async () => {
        const res = await fetch(`${url}/readyz`);
        readyz = (await res.json()) as typeof readyz;
        return res.status === 503 && readyz!.reasons.some((r) => r.startsWith('connect failing since'));
      },
      60_000,
      250,
    );
    expect(readyz!.engine).toBe('starting');
    await sleep(8_000);
    expect(exitCode, tail()).toBeUndefined();
    expect(out).toContain('connect failed; retrying');

    // The broker comes: the pipeline starts by itself and turns ready.
    broker = await startDedicatedBroker(port);
    await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 90_000, 500);
    expect(exitCode, tail()).toBeUndefined();

    // And processes what the gateway accepts.
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ sub: 'ana', exp: now + 600, iat: now }, TEST_SECRET, 'HS256');
    const res = await fetch(`${url}/api/holistic/mood-entries/`, {
      method: 'POST',
      body: JSON.stringify({ score: 5 }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    await waitFor(
      'the event in the user context',
      async () => (await fetch(`${url}/api/users/ana/context`, { headers: { authorization: `Bearer ${token}` } })).status === 200,
      30_000,
      200,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 240_000);
});
