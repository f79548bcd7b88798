/**
 * The data of the cluster-wide topology page, unauthenticated like `/metrics`
 * and `/topology` (names and numbers, no user data: keep them on the
 * operators' network), rate-limited per client address:
 *   GET /topology/instance  this instance's snapshot (what peers fetch)
 *   GET /topology/cluster   every live instance's, merged, with lag and the bottleneck
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { ANONYMOUS_ERRORS } from '../openapi/errors.js';
import { defineOperation } from '../openapi/operation.js';
import type { GatewayEnv } from '../types.js';
import { clusterView, PeerCache } from './cluster.js';
import { ClusterViewSchema, InstanceSnapshotSchema } from './schemas.js';
import { instanceSnapshot } from './snapshot.js';

export const clusterTopologyOperations = [
  defineOperation({
    method: 'get',
    path: '/topology/instance',
    operationId: 'get-topology-instance',
    tags: ['operations'],
    summary: "This instance's numbers for the topology page",
    description:
      "Per node: counts, rates, latency, busy time and utilization, with the last minutes of rate and busy time (sparklines); the tasks running here; the engine's totals. What the other instances fetch for `/topology/cluster`.",
    security: [],
    responses: { 200: { description: 'The snapshot.', schema: InstanceSnapshotSchema }, ...ANONYMOUS_ERRORS },
  }),
  defineOperation({
    method: 'get',
    path: '/topology/cluster',
    operationId: 'get-topology-cluster',
    tags: ['operations'],
    summary: "Every live instance's numbers, merged: what the topology page draws",
    description:
      "This instance's snapshot and every live peer's (fetched from the URL of its signed registry record, only with AURA_CLUSTER_SECRET; otherwise listed as not asked), summed per node; the consumer lag per partition with its trend and owner; the bottleneck.",
    security: [],
    responses: { 200: { description: 'The merged view.', schema: ClusterViewSchema }, ...ANONYMOUS_ERRORS },
  }),
];

export function clusterTopologyRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const peers = new PeerCache();
  app.get('/topology/instance', (c) => c.json(instanceSnapshot(d)));
  app.get('/topology/cluster', async (c) => c.json(await clusterView(d, peers)));
  return app;
}
