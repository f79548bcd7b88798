/**
 * A start while the broker is away, on the embedded log whose `connect` fails
 * while the "outage" lasts (the fault injection of engine-outage.test.ts, at
 * start-up): the app waits with backoff instead of failing, the gateway's
 * /readyz answers 503 with the reason meanwhile, and once the broker answers
 * the pipeline starts and processes; an outage longer than task_timeout ends
 * the wait with TASK_TIMEOUT, and a stop ends it at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createGateway } from '../gateway/app.js';
import { makeEvents } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(taskTimeoutMs: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-startup-'));
  dirs.push(dir);
  const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
  pipeline.defaults.taskTimeoutMs = taskTimeoutMs;
  const inner = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  const broker = { down: true, connects: 0 };
  const transport: Transport = {
    ...inner,
    kind: inner.kind,
    partitionFor: (k, n) => inner.partitionFor(k, n),
    admin: () => inner.admin(),
    producer: (o) => inner.producer(o),
    consumer: (o) => inner.consumer(o),
    close: () => inner.close(),
    async connect() {
      broker.connects++;
      if (broker.down) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'connect: Local: All broker connections are down');
      return inner.connect();
    },
  };
  const app = createPipelineApp({ pipeline, transport, logger: createLogger('startup'), stateDir: dir, instanceId: 'i1' });
  return { dir, pipeline, inner, transport, broker, app };
}

describe('start-up while the broker is away', () => {
  it('waits with backoff, says why on /readyz, and starts when the broker answers', async () => {
    const s = setup(60_000);
    const gateway = createGateway({
      pipeline: s.pipeline,
      transport: s.transport,
      app: s.app,
      auth: { alg: 'HS256', secret: 'x'.repeat(32) },
      logger: createLogger('startup-gw'),
      stateDir: s.dir,
    });
    const { url } = await gateway.listen(0, '127.0.0.1');
    let waited = false;
    const waiting = s.app.awaitBroker().then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 800));
    expect(waited).toBe(false);
    expect(s.broker.connects).toBeGreaterThanOrEqual(3); // 100, 200, 400 ms apart
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ready: boolean; engine: string; reasons: string[]; retrying: Array<{ operation: string; attempts: number }> };
    expect(body.ready).toBe(false);
    expect(body.engine).toBe('starting');
    expect(body.retrying[0]).toMatchObject({ operation: 'connect' });
    expect(body.reasons.join('\n')).toMatch(/connect failing since .*, \d+ attempts, retrying until .*All broker connections are down/);

    s.broker.down = false;
    await waiting;
    await s.app.start();
    await gateway.open();
    const input = s.pipeline.topics.user_events!;
    const events = makeEvents(30, 5, 3);
    const writer = s.inner.producer({});
    await writer.send(events.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    await writer.close();
    const deadline = Date.now() + 20_000;
    while (s.app.engine.metrics.pollRecordsTotal < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.app.engine.metrics.pollRecordsTotal).toBe(events.length);
    for (let i = 0; i < 100 && (await fetch(`${url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await gateway.stop();
    await s.app.stop();
    await s.inner.close();
  }, 40_000);

  it('gives up with TASK_TIMEOUT when the broker stays away for task_timeout', async () => {
    const s = setup(700);
    const started = Date.now();
    const err = await s.app.awaitBroker().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.TASK_TIMEOUT, message: expect.stringContaining('gave up: connect kept failing for 700 ms') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(5_000);
    await s.inner.close();
  });

  it('ends the wait at once when stopped', async () => {
    const s = setup(60_000);
    const waiting = s.app.awaitBroker().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const stopped = Date.now();
    await s.app.stop();
    expect(await waiting).toMatchObject({ code: ErrorCodes.TRANSPORT_FAILED, message: 'connect: stopped while retrying' });
    expect(Date.now() - stopped).toBeLessThan(1_000);
    expect(s.app.engine.state).toBe('stopped');
    await s.inner.close();
  });
});
