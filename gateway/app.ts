/**
 * The gateway of AURA360: a Hono app over a running pipeline (any Transport:
 * the embedded log or Kafka). Routes are sub-apps, middleware named factories,
 * errors go through one `onError`.
 *
 *   const gw = createGateway({ pipeline, transport, app, auth: { alg: 'HS256', secret } });
 *   await app.start();            // the pipeline first: it creates the topics
 *   const { url } = await gw.start(8080);
 *   ...
 *   await gw.stop(); await app.stop();
 *
 * Tests that only need `gw.app.request()` call `gw.open()` instead of `start()`.
 */

import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createLogger, type Logger } from '../common/logger.js';
import { tracingOn } from '../common/tracing/spans.js';
import type { PipelineApp } from '../runtime/app.js';
import { ensureTopics } from '../runtime/topics.js';
import type { RegistryConfig } from '../serdes/registry-config.js';
import type { Pipeline } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import { type Authenticator, type AuthOptions, createAuthenticator } from './auth/auth.js';
import { ClusterAuth } from './auth/cluster.js';
import { buildComponents } from './components.js';
import type { GatewayDeps } from './deps.js';
import { errorBody, HttpCodes, onGatewayError } from './http-error.js';
import { limitBody } from './middleware/body-limit.js';
import { requireJsonBody } from './middleware/content-type.js';
import { authenticate, limitAnonymous } from './middleware/guards.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { rateLimit, TokenBuckets } from './middleware/rate-limit.js';
import { requireWellFormedTarget } from './middleware/request-target.js';
import { traceRequests } from './middleware/tracing.js';
import { checkResponses } from './openapi/check.js';
import { gatewayContract, openApiRoutes } from './openapi/routes.js';
import type { TopicRoles } from './replies/reply-routes.js';
import { devRoutes } from './routes/dev.js';
import { guardianRoutes } from './routes/guardian.js';
import { holisticRoutes } from './routes/holistic.js';
import { opsRoutes } from './routes/ops.js';
import { streamRoutes } from './routes/stream.js';
import { type LiveSocket, topologyRoutes, topologyStats } from './routes/topology.js';
import { userRoutes } from './routes/users.js';
import { DEFAULT_LIMITS, type GatewayEnv, type GatewayLimits } from './types.js';
import { GatewayWebSockets } from './ws/server.js';

export interface GatewayOptions {
  pipeline: Pipeline;
  transport: Transport;
  app: PipelineApp;
  auth: AuthOptions | Authenticator;
  /** Shared by the instances of one deployment (`AURA_CLUSTER_SECRET`): signs registry records and forwarded queries. */
  clusterSecret?: string;
  /** Reverse proxies in front whose X-Forwarded-For entries are trusted (`AURA_TRUST_PROXY`, default 0). */
  trustProxy?: number;
  /** Reply routing and registry identity; stable across restarts (default `AURA_INSTANCE_ID`, else the host name). */
  instanceId?: string;
  /** The URL peers reach this instance at (`AURA_ADVERTISED_URL`), for forwarded interactive queries. */
  advertisedUrl?: string;
  logger?: Logger;
  /** Where the gateway keeps its database (default: the pipeline's state directory). */
  stateDir?: string;
  limits?: Partial<GatewayLimits>;
  topics?: Partial<TopicRoles>;
  stores?: { context?: string; latest?: string };
  resources?: { embedder?: string; vectors?: string };
  registryIntervalMs?: number;
  /** How often per-node rates are sampled and pushed to the topology page. */
  sampleIntervalMs?: number;
  /** The Schema Registry of `json_sr`/`avro` topics (default: from SCHEMA_REGISTRY_URL & co.; `false`: every topic plain JSON). */
  registry?: RegistryConfig | false;
  /** Check every response against /openapi.json and report violations (default: AURA_CHECK_RESPONSES=1; the test suite turns it on). */
  checkResponses?: boolean;
}

export interface Gateway {
  readonly app: Hono<GatewayEnv>;
  readonly deps: GatewayDeps;
  readonly instanceId: string;
  /** The WebSocket server: open sockets, handshakes in progress, bytes queued. */
  readonly sockets: Pick<GatewayWebSockets, 'stats' | 'size'>;
  /** Starts the reply consumer, registry, lag monitor and samplers (no HTTP server). */
  open(): Promise<void>;
  /** Serves HTTP and WebSocket on `port` (0: any free port). */
  listen(port?: number, hostname?: string): Promise<{ port: number; url: string }>;
  /** `open()` then `listen()`. */
  start(port?: number, hostname?: string): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

const PROTECTED = ['/api/holistic', '/api/guardian', '/api/users'];

export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger ?? createLogger('aura-gateway');
  // Unset values (undefined) keep their defaults.
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, v]) => v !== undefined)) };
  const instanceId = options.instanceId ?? process.env.AURA_INSTANCE_ID ?? os.hostname();
  const auth = 'verifyToken' in options.auth ? options.auth : createAuthenticator({ maxTtlSeconds: limits.tokenMaxTtlSeconds, ...options.auth });
  const trustProxy = options.trustProxy ?? 0;
  const cluster = new ClusterAuth(options.clusterSecret, instanceId);
  const app = new Hono<GatewayEnv>({ strict: false });
  const anonymous = new TokenBuckets({ perSecond: limits.anonRatePerSecond, burst: limits.anonRateBurst });
  const sockets = new GatewayWebSockets({ app, limits, logger, trustProxy, admit: (address) => anonymous.take(address) });
  const { deps, db, checkpointer, registry } = buildComponents({
    ...options,
    auth,
    cluster,
    logger,
    instanceId,
    limits,
    stateDir: options.stateDir ?? options.app.stateDir ?? path.resolve('.aura/state'),
    upgradeWebSocket: sockets.upgradeWebSocket,
  });
  const live = new Set<LiveSocket>();

  const guards = { auth, cluster, anonymous, trustProxy, protectedPrefixes: PROTECTED };

  const contract = gatewayContract(deps);
  // Outermost, so it sees the final answer of every request (errors and 404s included).
  if (options.checkResponses ?? process.env.AURA_CHECK_RESPONSES === '1') app.use('*', checkResponses(contract.checker, logger));
  app.onError(onGatewayError(logger));
  app.notFound((c) => c.json(errorBody(HttpCodes.NOT_FOUND, `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`), 404));
  if (tracingOn()) app.use('*', traceRequests());
  app.use('*', httpMetrics(deps.metrics));
  app.use('*', requireWellFormedTarget());
  app.use('*', limitAnonymous(guards));
  app.use(
    '/api/*',
    limitBody({
      maxSize: limits.bodyBytes,
      onError: (c) => c.json(errorBody(HttpCodes.PAYLOAD_TOO_LARGE, `the body is larger than ${limits.bodyBytes} bytes`), 413),
    }),
  );
  const limitRate = rateLimit({ perSecond: limits.ratePerSecond, burst: limits.rateBurst });
  for (const prefix of PROTECTED) app.use(`${prefix}/*`, authenticate(guards, prefix === '/api/users'), limitRate);
  app.use('/api/*', requireJsonBody());
  app.route('/', opsRoutes(deps));
  app.route('/', topologyRoutes(deps, live));
  app.route('/', openApiRoutes(contract.document));
  app.route('/ws', streamRoutes(deps));
  app.route('/api/dev', devRoutes(deps));
  app.route('/api/holistic', holisticRoutes(deps));
  app.route('/api/guardian', guardianRoutes(deps));
  app.route('/api/users', userRoutes(deps));

  let server: Server | undefined;
  const timers: NodeJS.Timeout[] = [];
  let opened = false;
  let stopped = false;

  const gateway: Gateway = {
    app,
    deps,
    instanceId,
    sockets,
    async open() {
      if (opened) return;
      opened = true;
      // Normally the engine created them already; the gateway may also start first (or alone).
      // An unusable registry setup fails here, as the engine's start() does; the serdes need their schema ids before any publish.
      if (registry.error) throw registry.error;
      await registry.serdes?.init();
      await options.transport.connect();
      await ensureTopics(options.pipeline, options.transport.admin(), options.transport.kind === 'embedded' ? 'create' : 'check', logger);
      await deps.registry.ensureTopic();
      await deps.replies.start();
      deps.lag.start();
      deps.registry.start();
      deps.nodeStats.sample();
      timers.push(
        setInterval(() => {
          deps.nodeStats.sample();
          if (live.size === 0) return;
          const text = JSON.stringify(topologyStats(deps));
          for (const s of live) s.send(text);
        }, options.sampleIntervalMs ?? 1_000),
        setInterval(() => deps.outbox.saveCursors(), 1_000),
        setInterval(() => {
          deps.outbox.purgeExpired();
          deps.status.purgeOlderThan(limits.streamTtlMs);
          deps.advice.purgeOlderThan(Math.max(limits.streamTtlMs, limits.adviceDeadlineMs * 10));
        }, 60_000),
      );
      for (const t of timers) t.unref();
      if (auth.options.devTokens)
        logger.warn('DEVELOPMENT AUTH IS ON: POST /api/dev/token issues a token for any user id. Never expose this gateway to real users.');
      if (!cluster.enabled) logger.info('no AURA_CLUSTER_SECRET: queries for partitions owned by another instance answer 503 instead of being forwarded');
    },
    async listen(port = 8080, hostname) {
      const address = await new Promise<{ port: number }>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port, hostname }, (info) => resolve(info as { port: number })) as Server;
        s.once('error', reject);
        server = s;
      });
      // Slow clients may not hold a connection open for free: the whole request head within 20 s, the body within 30 s.
      server!.headersTimeout = 20_000;
      server!.requestTimeout = 30_000;
      sockets.attach(server!);
      const url = `http://${hostname && hostname !== '0.0.0.0' ? hostname : '127.0.0.1'}:${address.port}`;
      // Without AURA_ADVERTISED_URL peers are told the listening address: right on one host only.
      deps.registry.advertise(url);
      logger.info({ url, instance: instanceId, transport: options.transport.kind }, 'gateway listening');
      return { port: address.port, url };
    },
    async start(port, hostname) {
      await gateway.open();
      return gateway.listen(port, hostname);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearInterval(t);
      await sockets.shutdown();
      if (server) {
        const closed = new Promise((resolve) => server!.close(resolve));
        server.closeAllConnections();
        await closed;
      }
      deps.waiters.cancelAll();
      if (opened) {
        await deps.registry.stop();
        await deps.replies.stop();
        await deps.lag.stop();
      }
      deps.status.flushReceived();
      deps.outbox.saveCursors();
      await deps.publisher.close();
      deps.metrics.close();
      await checkpointer.close();
      db.close();
    },
  };
  return gateway;
}
