/**
 * Test harness: the default pipeline on a fresh embedded log in a temp
 * directory (hashing embedder instead of MiniLM, in-memory vectors), the
 * gateway over it, and helpers to sign tokens and read topics. Used by the
 * gateway's tests and the load test; nothing here is mocked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sign } from 'hono/jwt';
import { createLogger } from '../../common/logger.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/app.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import { loadPipeline } from '../../topology/compile.js';
import type { Pipeline } from '../../topology/model.js';
import { createEmbeddedTransport, type EmbeddedTransport } from '../../transports/embedded/index.js';
import type { LogRecord } from '../../transports/types.js';
import { createHashingEmbedder } from '../hashing-embedder.js';

export const PIPELINE_FILE = path.resolve(import.meta.dirname, '../../pipeline.yaml');
export const TEST_SECRET = 'test-secret-for-the-gateway-only-0123456789';

export interface HarnessOptions {
  dir?: string;
  transport?: EmbeddedTransport;
  instanceId?: string;
  /** Start the pipeline engine (default true). */
  engine?: boolean;
  /** Serve HTTP on a free port (default false: `app.request()` only). */
  listen?: boolean;
  gateway?: Partial<GatewayOptions>;
  stateDir?: string;
}

export interface Harness {
  dir: string;
  pipeline: Pipeline;
  transport: EmbeddedTransport;
  app: PipelineApp;
  gateway: Gateway;
  url: string;
  token(user: string, secret?: string): Promise<string>;
  auth(user: string): Promise<Record<string, string>>;
  /** Every record of a topic (by id) from the start. */
  readTopic(topicId: string): Promise<LogRecord[]>;
  close(options?: { keepTransport?: boolean; keepDir?: boolean }): Promise<void>;
}

export function testPipeline(): Pipeline {
  return loadPipeline(PIPELINE_FILE, { env: { ...process.env, AURA_VECTOR_DB: ':memory:' } });
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aura-gateway-'));
  const pipeline = testPipeline();
  const transport = options.transport ?? createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
  const instanceId = options.instanceId ?? 'gw-test';
  const logger = createLogger('aura-gateway-test', process.env.AURA_LOG_LEVEL ?? 'silent');
  const stateDir = options.stateDir ?? path.join(dir, `state-${instanceId}`);
  const app = createPipelineApp({
    pipeline,
    transport,
    logger,
    stateDir,
    instanceId,
    pollTimeoutMs: 20,
    resources: { overrides: { embedder: createHashingEmbedder() } },
  });
  if (options.engine !== false) await app.start();
  const gateway = createGateway({
    pipeline,
    transport,
    app,
    logger,
    instanceId,
    auth: { alg: 'HS256', secret: TEST_SECRET, devTokens: true },
    ...options.gateway,
  });
  let url = '';
  try {
    if (options.listen) url = (await gateway.start(0, '127.0.0.1')).url;
    else await gateway.open();
  } catch (err) {
    // A failed start must not leave a locked log and a temp directory behind.
    await gateway.stop().catch(() => undefined);
    if (app.engine.state !== 'created') await app.stop().catch(() => undefined);
    if (!options.transport) await transport.close().catch(() => undefined);
    if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const token = (user: string, secret = TEST_SECRET) => sign({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 }, secret, 'HS256');
  return {
    dir,
    pipeline,
    transport,
    app,
    gateway,
    url,
    token,
    auth: async (user) => ({ authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' }),
    async readTopic(topicId) {
      const topic = pipeline.topics[topicId]!;
      const consumer = transport.consumer({ isolation: 'read_committed' });
      const tps = Array.from({ length: topic.partitions }, (_, partition) => ({ topic: topic.name, partition }));
      await consumer.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
      const out: LogRecord[] = [];
      for (;;) {
        const batch = await consumer.poll(10_000, 0);
        if (batch.length === 0) break;
        out.push(...batch);
      }
      await consumer.close();
      return out;
    },
    async close(opts = {}) {
      await gateway.stop();
      if (app.engine.state !== 'created') await app.stop();
      if (!opts.keepTransport && !options.transport) await transport.close();
      if (!opts.keepDir && !options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or `ms` pass. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000, every = 20): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
