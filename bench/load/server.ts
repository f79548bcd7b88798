/**
 * The server side of the load test, run as its own process (so client and
 * server do not share an event loop): the default pipeline on a fresh embedded
 * log in a temp directory and the gateway, on a free port. Prints
 * `READY <url>` when it serves; stops cleanly on SIGTERM/SIGINT.
 *
 *   AURA_JWT_SECRET=...  node --import tsx bench/load/server.ts [--embedder hashing|minilm] [--kafka]
 *
 * With `--kafka` it runs on KAFKA_BROKERS instead, on a copy of the pipeline whose app and topic
 * names carry a unique prefix (a shared broker's `aura360.*` topics are left alone); the topics are
 * deleted when it stops.
 */

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../common/logger.js';
import { createGateway } from '../../gateway/app.js';
import { createPipelineApp } from '../../runtime/app.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { loadPipeline } from '../../topology/compile.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import type { Transport } from '../../transports/types.js';

const PIPELINE = path.resolve(import.meta.dirname, '../../pipeline.yaml');

async function main(): Promise<void> {
  const secret = process.env.AURA_JWT_SECRET;
  if (!secret) throw new Error('AURA_JWT_SECRET is required');
  const embedder = process.argv.includes('minilm') ? 'minilm' : 'hashing';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-load-'));
  const logger = createLogger('aura-load', process.env.AURA_LOG_LEVEL ?? 'warn');
  const onKafka = process.argv.includes('--kafka');
  let file = PIPELINE;
  if (onKafka) {
    const prefix = `load-${randomUUID().slice(0, 8)}`;
    file = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(file, fs.readFileSync(PIPELINE, 'utf8').replace('app: aura360', `app: ${prefix}`).replaceAll('name: aura360.', `name: ${prefix}.`));
  }
  const pipeline = loadPipeline(file, { env: { ...process.env, AURA_VECTOR_DB: path.join(dir, 'vectors.db') } });
  let transport: Transport;
  if (onKafka) {
    const { createKafkaTransport, kafkaConfigFromEnv } = await import('../../transports/kafka/index.js');
    transport = createKafkaTransport(kafkaConfigFromEnv());
  } else {
    transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  }
  const app = createPipelineApp({
    pipeline,
    transport,
    logger,
    stateDir: path.join(dir, 'state'),
    instanceId: 'load',
    resources: embedder === 'hashing' ? { overrides: { embedder: createHashingEmbedder() } } : {},
  });
  // The load test measures the system, not the abuse limits: they are raised, not removed.
  const gateway = createGateway({
    pipeline,
    transport,
    app,
    logger,
    instanceId: 'load',
    auth: { alg: 'HS256', secret },
    limits: { ratePerSecond: 1000, rateBurst: 1000, anonRatePerSecond: 1000, anonRateBurst: 1000 },
  });
  await app.start();
  const { url } = await gateway.start(0, '127.0.0.1');
  process.stdout.write(`READY ${url} ${embedder} ${transport.kind}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.stop();
    await app.stop();
    if (onKafka)
      await transport
        .admin()
        .deleteTopics([...Object.values(pipeline.topics).map((t) => t.name), `${pipeline.app}-gateway-instances`])
        .catch(() => undefined);
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`load server: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
