/**
 * The engine and the gateway of one process on the suite's Kafka broker, as the
 * gateway's Kafka tests run them: a pipeline copy (unique app and topic names),
 * the hashing embedder and an in-memory vector store, readiness awaited; and
 * the stop that leaves nothing behind (the run's topics deleted, the transport
 * closed, the state directory removed) whatever part of the start got done.
 */
import path from 'node:path';
import type { Logger } from '../../common/logger.js';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import type { RegistryConfig } from '../../serdes/registry-config.js';
import { loadPipeline } from '../../topology/compile.js';
import type { Pipeline } from '../../topology/model.js';
import type { KafkaTransport } from '../../transports/kafka/index.js';
import type { Transport } from '../../transports/types.js';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { eventually, TEST_SECRET } from './gateway-harness.js';
import { cleanUpRun } from './run-cleanup.js';

export interface KafkaGatewayStackOptions {
  /** The pipeline file: a copy of pipeline.yaml with the test's app and topic prefix. */
  file: string;
  /** The test's temporary directory: state under `state/`, removed at stop. */
  dir: string;
  /** The app and topic prefix, for the gateway's instances topic deleted at stop. */
  prefix: string;
  transport: KafkaTransport;
  logger: Logger;
  instanceId: string;
  registry?: RegistryConfig;
  /** What the gateway reads replies with, when a test wraps the transport (held reply consumers). */
  gatewayTransport?: Transport;
}

export interface KafkaGatewayStack {
  readonly pipeline: Pipeline;
  readonly app: PipelineApp;
  readonly gateway: Gateway;
  /** The gateway's base URL, once started. */
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function kafkaGatewayStack(options: KafkaGatewayStackOptions): KafkaGatewayStack {
  const { transport, logger, instanceId, registry } = options;
  let pipeline: Pipeline | undefined;
  let app: PipelineApp | undefined;
  let gateway: Gateway | undefined;
  let url: string | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the Kafka gateway stack has no ${what}: start() first`);
    return value;
  };
  return {
    get pipeline() {
      return started(pipeline, 'pipeline');
    },
    get app() {
      return started(app, 'app');
    },
    get gateway() {
      return started(gateway, 'gateway');
    },
    get url() {
      return started(url, 'url');
    },
    async start() {
      pipeline = loadPipeline(options.file, { env: { ...process.env, AURA_VECTOR_DB: ':memory:' } });
      app = createPipelineApp({
        pipeline,
        transport,
        logger,
        stateDir: path.join(options.dir, 'state'),
        instanceId,
        topics: 'create',
        ...(registry ? { registry } : {}),
        resources: { overrides: { embedder: createHashingEmbedder() } },
      });
      await app.start();
      gateway = createGateway({
        pipeline,
        transport: options.gatewayTransport ?? transport,
        app,
        logger,
        instanceId,
        auth: { alg: 'HS256', secret: TEST_SECRET },
        ...(registry ? { registry } : {}),
      });
      url = (await gateway.start(0, '127.0.0.1')).url;
      const ready = url;
      await eventually(async () => ((await fetch(`${ready}/readyz`)).status === 200 ? true : undefined), 60_000, 200);
    },
    async stop() {
      await gateway?.stop();
      await app?.stop();
      await cleanUpRun(transport, [...Object.values(pipeline?.topics ?? {}).map((t) => t.name), `${options.prefix}-gateway-instances`], options.dir);
    },
  };
}
