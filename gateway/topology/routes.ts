/**
 * The data of the cluster-wide topology page, unauthenticated like `/metrics`
 * and `/topology` (names and numbers, no user data: keep them on the
 * operators' network), rate-limited per client address:
 *   GET /topology/instance  this instance's snapshot (what peers fetch)
 *   GET /topology/cluster   every live instance's, merged, with lag and the bottleneck
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import type { GatewayEnv } from '../types.js';
import { PeerCache, clusterView } from './cluster.js';
import { instanceSnapshot } from './snapshot.js';

export function clusterTopologyRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const peers = new PeerCache();
  app.get('/topology/instance', (c) => c.json(instanceSnapshot(d)));
  app.get('/topology/cluster', async (c) => c.json(await clusterView(d, peers)));
  return app;
}
