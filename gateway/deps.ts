/**
 * Everything the route factories need, built once by `createGateway` and
 * handed to each sub-app (no module-level state: two gateways in one process,
 * as the multi-instance tests run them, do not share anything).
 */
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { Logger } from '../common/logger.js';
import type { PipelineApp } from '../runtime/app.js';
import type { Pipeline } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import type { Authenticator } from './auth/auth.js';
import type { ClusterAuth } from './auth/cluster.js';
import type { LagMonitor } from './metrics/lag-monitor.js';
import type { NodeStats } from './metrics/node-stats.js';
import type { GatewayMetrics } from './metrics/prometheus.js';
import type { Publisher } from './publish/publisher.js';
import type { InstanceRegistry } from './queries/instance-registry.js';
import type { ReplyConsumer } from './replies/reply-consumer.js';
import type { ResolvedTopics } from './replies/reply-routes.js';
import type { ReplyWaiters } from './replies/waiters.js';
import type { AdviceTracker } from './streams/advice-tracker.js';
import type { UserOutbox } from './streams/outbox.js';
import type { StatusTracker } from './streams/status-tracker.js';
import type { GatewayLimits } from './types.js';

export interface GatewayDeps {
  pipeline: Pipeline;
  transport: Transport;
  app: PipelineApp;
  logger: Logger;
  instanceId: string;
  advertisedUrl?: string;
  auth: Authenticator;
  /** Trust between instances: signed registry records, peer tokens for forwarded queries. */
  cluster: ClusterAuth;
  limits: GatewayLimits;
  topics: ResolvedTopics;
  /** Store ids: the aggregate's window (`context`) and the latest summary table (`latest`). */
  stores: { context: string; latest?: string };
  /** Resource ids for `/similar`. */
  resourceIds: { embedder: string; vectors: string };
  publisher: Publisher;
  outbox: UserOutbox;
  status: StatusTracker;
  advice: AdviceTracker;
  waiters: ReplyWaiters;
  replies: ReplyConsumer;
  registry: InstanceRegistry;
  metrics: GatewayMetrics;
  nodeStats: NodeStats;
  lag: LagMonitor;
  /** The WebSocket route helper of the gateway's own WebSocket server (ws/server.ts). */
  upgradeWebSocket: UpgradeWebSocket<WebSocket>;
  now: () => number;
}
