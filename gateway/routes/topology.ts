/**
 * The live topology: `/topology` (the page), `/topology.json` (the layout),
 * `/topology/stats` (the latest per-node numbers) and `/topology/live` (the
 * same numbers pushed every second over a WebSocket). Unauthenticated like
 * `/metrics`: it shows no user data, only names and counters — keep it on the
 * operators' network. Rate-limited per client address, its sockets capped per
 * address (ws/server.ts).
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { layoutTopology, type TopologyLayout } from '../topology/layout.js';
import { TOPOLOGY_PAGE } from '../topology/page.js';
import type { GatewayEnv } from '../types.js';

export interface LiveSocket {
  send(text: string): void;
}

export function topologyStats(d: GatewayDeps): Record<string, unknown> {
  const lagByTopic = d.lag.byTopic();
  const nodes: Record<string, unknown> = {};
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
    totals: { recordsConsumed: m.pollRecordsTotal, recordsProduced: m.recordsProducedTotal, deadLetters: m.deadLetterRecordsTotal, commits: m.commitTotal, lag },
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
