/**
 * The live topology: `/topology` (the page), `/topology.json` (the layout),
 * `/topology/stats` (the latest per-node numbers) and `/topology/live` (the
 * same numbers pushed every second over a WebSocket). Unauthenticated like
 * `/metrics`: it shows no user data, only names and counters — keep it on the
 * operators' network. Rate-limited per client address, its sockets capped per
 * address (ws/server.ts).
 */
import { Type } from '@sinclair/typebox';
import { Hono } from 'hono';
import { TOPOLOGY_LIVE_CHANNEL } from '../../schemas/ws/channels.js';
import { type TopologyStats, TopologyStatsMessage } from '../../schemas/ws/topology-messages.js';
import type { GatewayDeps } from '../deps.js';
import { ANONYMOUS_ERRORS } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import { layoutTopology, type TopologyLayout } from '../topology/layout.js';
import { TOPOLOGY_PAGE } from '../topology/page.js';
import { engineTotals } from '../topology/snapshot.js';
import type { GatewayEnv } from '../types.js';
import { HANDSHAKE_ERRORS, SWITCHING_PROTOCOLS } from './stream.js';

const StatsSchema = named('TopologyStats', TopologyStatsMessage);

/** The layout is the page's business (gateway/topology/layout.ts): its outline is the contract, not every coordinate. */
const LayoutSchema = named(
  'TopologyLayout',
  Type.Object(
    {
      app: Type.String(),
      width: Type.Number(),
      height: Type.Number(),
      nodes: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), x: Type.Number(), y: Type.Number() }, { additionalProperties: true })),
      edges: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), kind: Type.String() }, { additionalProperties: true })),
    },
    { additionalProperties: true, description: 'The topology graph laid out left to right, in SVG coordinates.' },
  ),
);

const page = (path: string, summary: string, description: string, schema: object | undefined, contentType: 'application/json' | 'text/html') =>
  defineOperation({
    method: 'get',
    path,
    operationId: `get-${path.slice(1).replace(/[/.]/g, '-')}`,
    tags: ['operations'],
    summary,
    description,
    security: [],
    responses: { 200: { description: summary, contentType, ...(schema ? { schema } : {}) }, ...ANONYMOUS_ERRORS },
  });

export const topologyOperations = [
  page(
    '/topology',
    'The live topology page',
    'A self-contained HTML page (no CDN) drawing the graph of `aura describe` with live numbers.',
    undefined,
    'text/html',
  ),
  page('/topology.json', 'The topology layout', 'What the page draws.', LayoutSchema, 'application/json'),
  page(
    '/topology/stats',
    'The latest per-node numbers',
    'What `/topology/live` pushes, for clients that cannot open a WebSocket.',
    StatsSchema,
    'application/json',
  ),
  defineOperation({
    method: 'get',
    path: TOPOLOGY_LIVE_CHANNEL.address,
    operationId: 'open-topology-live',
    tags: ['operations'],
    summary: 'The per-node numbers, pushed every second (WebSocket)',
    description: TOPOLOGY_LIVE_CHANNEL.description,
    security: [],
    upgrade: TOPOLOGY_LIVE_CHANNEL.id,
    responses: { 101: SWITCHING_PROTOCOLS, ...HANDSHAKE_ERRORS },
  }),
];

export interface LiveSocket {
  send(text: string): void;
}

export function topologyStats(d: GatewayDeps): TopologyStats {
  const lagByTopic = d.lag.byTopic();
  const nodes: TopologyStats['nodes'] = {};
  for (const [id, s] of d.nodeStats.snapshot()) {
    const spec = d.pipeline.nodes[id];
    const topic = spec?.kind === 'source' && spec.topic ? d.pipeline.topics[spec.topic]?.name : undefined;
    nodes[id] = { ...s, ...(topic !== undefined ? { lag: lagByTopic.get(topic) ?? 0 } : {}) };
  }
  const m = d.app.engine.metrics;
  let lag = 0;
  for (const v of lagByTopic.values()) lag += v;
  return {
    at: Date.now(),
    instance: d.instanceId,
    nodes,
    totals: { ...engineTotals(m), lag },
  };
}

export function topologyRoutes(d: GatewayDeps, live: Set<LiveSocket>): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  let layout: TopologyLayout | undefined;
  app.get('/topology', (c) => c.html(TOPOLOGY_PAGE));
  app.get('/topology.json', (c) => c.json((layout ??= layoutTopology(d.pipeline))));
  app.get('/topology/stats', (c) => c.json(topologyStats(d)));
  app.get(
    '/topology/live',
    d.upgradeWebSocket(() => {
      let socket: LiveSocket | undefined;
      return {
        onOpen(_e, ws) {
          // A snapshot replaces the previous one: a page that does not keep up skips some, nothing queues.
          socket = { send: (t) => void ((ws.raw?.bufferedAmount ?? 0) < d.limits.socketMaxBufferedBytes && ws.send(t)) };
          live.add(socket);
          ws.send(JSON.stringify(topologyStats(d)));
        },
        onClose() {
          if (socket) live.delete(socket);
        },
      };
    }),
  );
  return app;
}
