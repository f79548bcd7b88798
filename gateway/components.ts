/**
 * Builds the gateway's non-HTTP parts for one instance: its database, the
 * user streams and trackers, the reply consumer wired to the pipeline's
 * topics, the instance registry, the producer and the metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startWalCheckpointer, type WalCheckpointer } from '../common/wal-checkpointer.js';
import type { PipelineApp } from '../runtime/app.js';
import { type RegistrySerdes, registrySerdesFor } from '../serdes/index.js';
import type { RegistryConfig } from '../serdes/registry-config.js';
import type { Pipeline } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import type { Authenticator } from './auth/auth.js';
import type { ClusterAuth } from './auth/cluster.js';
import type { GatewayDeps } from './deps.js';
import { LagMonitor } from './metrics/lag-monitor.js';
import { NodeStats } from './metrics/node-stats.js';
import { GatewayMetrics } from './metrics/prometheus.js';
import { Publisher } from './publish/publisher.js';
import { InstanceRegistry } from './queries/instance-registry.js';
import { ReplyConsumer } from './replies/reply-consumer.js';
import { resolveTopics, statusNodes, type TopicRoles, wireReplies } from './replies/reply-routes.js';
import { ReplyWaiters } from './replies/waiters.js';
import { AdviceTracker } from './streams/advice-tracker.js';
import { UserOutbox } from './streams/outbox.js';
import { type Db, openGatewayDb, Positions } from './streams/state-db.js';
import { StatusTracker } from './streams/status-tracker.js';
import type { GatewayLimits } from './types.js';

export interface ComponentOptions {
  pipeline: Pipeline;
  transport: Transport;
  app: PipelineApp;
  auth: Authenticator;
  cluster: ClusterAuth;
  logger: Logger;
  instanceId: string;
  advertisedUrl?: string;
  limits: GatewayLimits;
  stateDir: string;
  topics?: Partial<TopicRoles>;
  stores?: { context?: string; latest?: string };
  resources?: { embedder?: string; vectors?: string };
  registryIntervalMs?: number;
  /** The Schema Registry of `json_sr`/`avro` topics (default: from SCHEMA_REGISTRY_URL & co., as the engine's). */
  registry?: RegistryConfig | false;
  upgradeWebSocket: UpgradeWebSocket<WebSocket>;
}

export function buildComponents(o: ComponentOptions): {
  deps: GatewayDeps;
  db: Db;
  checkpointer: WalCheckpointer;
  registry: { serdes?: RegistrySerdes; error?: unknown };
} {
  fs.mkdirSync(o.stateDir, { recursive: true });
  const file = path.join(o.stateDir, `gateway-${o.instanceId.replace(/[^\w.-]/g, '_')}.db`);
  const db = openGatewayDb(file);
  // Its checkpoints (every ~4 MB of statuses and chunks) stalled the event loop 10-65 ms each.
  const checkpointer = startWalCheckpointer(db, file);
  const now = Date.now;
  const topics = resolveTopics(o.pipeline, o.topics);
  const outbox = new UserOutbox(
    db,
    { bufferPerUser: o.limits.streamBufferPerUser, ttlMs: o.limits.streamTtlMs, socketMaxBufferedBytes: o.limits.socketMaxBufferedBytes },
    now,
  );
  const nodeStats = new NodeStats(o.pipeline, o.app.engine);
  const lag = new LagMonitor(o.pipeline, o.transport, o.logger);
  const waiters = new ReplyWaiters();
  let replies: ReplyConsumer | undefined;
  const metrics = new GatewayMetrics({
    engine: o.app.engine,
    nodes: nodeStats,
    lag,
    wsClients: () => outbox.clients(),
    pendingAdvice: () => waiters.size,
    replyRecords: () => ({ engine: replies?.recordsFromEngine ?? 0, log: replies?.recordsRead ?? 0 }),
  });
  const status = new StatusTracker(
    db,
    outbox,
    (stage, ms) => metrics.stageLatency.observe({ stage }, ms / 1000),
    now,
    (err) => o.logger.warn({ err: errorMessage(err) }, 'storing received statuses failed'),
  );
  const advice = new AdviceTracker(
    db,
    outbox,
    {
      firstChunk: (ms) => metrics.guardianLatency.observe({ phase: 'first_chunk' }, ms / 1000),
      final: (ms) => metrics.guardianLatency.observe({ phase: 'final' }, ms / 1000),
      answered: (r) => waiters.resolve(r),
    },
    now,
  );
  // The gateway's topics in their pipeline format: what it publishes is encoded, what it reads decoded, with the topic's serde.
  const schemaRegistry = o.registry === false ? {} : registrySerdesFor(o.pipeline, o.logger, o.registry);
  const serdes = schemaRegistry.serdes;
  const publisher = new Publisher(o.transport, `${o.pipeline.app}-gateway-${o.instanceId}`, { serdes, ackTimeoutMs: o.limits.publishTimeoutMs });
  replies = new ReplyConsumer({
    transport: o.transport,
    outbox,
    positions: new Positions(db),
    logger: o.logger,
    clientId: `${o.pipeline.app}-gateway-replies-${o.instanceId}`,
    serdes,
    engine: o.app.engine,
  });
  wireReplies(replies, { instanceId: o.instanceId, topics, status, advice, statusNodes: statusNodes(o.pipeline, topics), serdes });
  const registry = new InstanceRegistry({
    pipeline: o.pipeline,
    transport: o.transport,
    publisher,
    instanceId: o.instanceId,
    advertisedUrl: o.advertisedUrl,
    cluster: o.cluster,
    tasks: () => [...o.app.engine.tasks.keys()],
    logger: o.logger,
    intervalMs: o.registryIntervalMs,
  });
  replies.route(registry.topic, 1, (r) => registry.onRecord(r), 'replay');
  const contextStore = o.stores?.context ?? 'user_context';
  const latest = o.stores?.latest ?? 'latest_context';
  const deps: GatewayDeps = {
    pipeline: o.pipeline,
    transport: o.transport,
    app: o.app,
    logger: o.logger,
    instanceId: o.instanceId,
    advertisedUrl: o.advertisedUrl,
    auth: o.auth,
    cluster: o.cluster,
    limits: o.limits,
    topics,
    stores: { context: contextStore, latest: o.pipeline.stores[latest] ? latest : undefined },
    resourceIds: { embedder: o.resources?.embedder ?? 'embedder', vectors: o.resources?.vectors ?? 'context_vectors' },
    publisher,
    outbox,
    status,
    advice,
    waiters,
    replies,
    registry,
    metrics,
    nodeStats,
    lag,
    upgradeWebSocket: o.upgradeWebSocket,
    now,
  };
  return { deps, db, checkpointer, registry: schemaRegistry };
}
