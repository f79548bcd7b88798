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
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createLogger, type Logger } from '../common/logger.js';
import type { PipelineApp } from '../runtime/app.js';
import { ensureTopics } from '../runtime/topics.js';
import type { Pipeline } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import { type AuthOptions, type Authenticator, createAuthenticator } from './auth/auth.js';
import { buildComponents } from './components.js';
import type { GatewayDeps } from './deps.js';
import { errorBody, HttpCodes, onGatewayError } from './http-error.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { rateLimit } from './middleware/rate-limit.js';
import type { TopicRoles } from './replies/reply-routes.js';
import { devRoutes } from './routes/dev.js';
import { guardianRoutes } from './routes/guardian.js';
import { holisticRoutes } from './routes/holistic.js';
import { opsRoutes } from './routes/ops.js';
import { streamRoutes } from './routes/stream.js';
import { type LiveSocket, topologyRoutes, topologyStats } from './routes/topology.js';
import { userRoutes } from './routes/users.js';
import { DEFAULT_LIMITS, type GatewayEnv, type GatewayLimits } from './types.js';

export interface GatewayOptions {
  pipeline: Pipeline;
  transport: Transport;
  app: PipelineApp;
  auth: AuthOptions | Authenticator;
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
}

export interface Gateway {
  readonly app: Hono<GatewayEnv>;
  readonly deps: GatewayDeps;
  readonly instanceId: string;
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
  const auth = 'verifyToken' in options.auth ? options.auth : createAuthenticator(options.auth);
  const app = new Hono<GatewayEnv>({ strict: false });
  const nodeWs = createNodeWebSocket({ app });
  const { deps, db } = buildComponents({
    ...options,
    auth,
    logger,
    instanceId,
    limits,
    stateDir: options.stateDir ?? options.app.stateDir ?? path.resolve('.aura/state'),
    upgradeWebSocket: nodeWs.upgradeWebSocket,
  });
  const live = new Set<LiveSocket>();

  app.onError(onGatewayError(logger));
  app.notFound((c) => c.json(errorBody(HttpCodes.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`), 404));
  app.use('*', httpMetrics(deps.metrics));
  app.use(
    '/api/*',
    bodyLimit({ maxSize: limits.bodyBytes, onError: (c) => c.json(errorBody(HttpCodes.PAYLOAD_TOO_LARGE, `the body is larger than ${limits.bodyBytes} bytes`), 413) }),
  );
  const authenticate = auth.middleware();
  const limitRate = rateLimit({ perSecond: limits.ratePerSecond, burst: limits.rateBurst });
  for (const prefix of PROTECTED) app.use(`${prefix}/*`, authenticate, limitRate);
  app.route('/', opsRoutes(deps));
  app.route('/', topologyRoutes(deps, live));
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
    async open() {
      if (opened) return;
      opened = true;
      // Normally the engine created them already; the gateway may also start first (or alone).
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
      if (auth.options.devTokens) logger.warn('DEVELOPMENT AUTH IS ON: POST /api/dev/token issues a token for any user id. Never expose this gateway to real users.');
    },
    async listen(port = 8080, hostname) {
      const address = await new Promise<{ port: number }>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port, hostname }, (info) => resolve(info as { port: number })) as Server;
        s.once('error', reject);
        server = s;
      });
      nodeWs.injectWebSocket(server!);
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
      for (const ws of nodeWs.wss.clients) ws.close(1001, 'gateway stopping');
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
      db.close();
    },
  };
  return gateway;
}
