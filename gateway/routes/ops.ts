/**
 * Operations: `/healthz` (the process answers), `/readyz` (the engine runs
 * with its tasks assigned and restored, the broker answers, nothing is being
 * retried, the reply consumer reads: only then should a balancer send
 * traffic; otherwise 503 with the reasons, e.g. "broker unreachable since …",
 * "restoring 3 tasks") and `/metrics` (Prometheus). Readiness comes from the
 * engine's `health()` and the reply consumer's, never from their internals.
 * `/api/ops/*` is the operator API (operator tokens: queries/operator-auth.ts):
 * state stores (queries/store-routes.ts).
 */
import { Hono } from 'hono';
import type { EngineHealth } from '../../runtime/health.js';
import type { GatewayDeps } from '../deps.js';
import { storeRoutes } from '../queries/store-routes.js';
import { clusterTopologyRoutes } from '../topology/routes.js';
import type { GatewayEnv } from '../types.js';

export interface Readiness {
  ready: boolean;
  /** Why not, one sentence each; empty when ready. */
  reasons: string[];
  checks: { transport_connected: boolean; tasks_assigned: boolean; stores_restored: boolean; replies_consuming: boolean };
  engine: EngineHealth;
}

export function readiness(d: GatewayDeps): Readiness {
  const engine = d.app.engine.health();
  const replies = d.replies.health();
  const reasons = [...engine.reasons];
  if (!replies.reading) reasons.push('the reply consumer has not read yet');
  if (replies.failing) {
    reasons.push(`reply consumer failing since ${iso(replies.failing.since)}, ${replies.failing.attempts} attempts, retrying: ${replies.failing.error}`);
  }
  // The engine says it already when the broker is gone for both.
  if (replies.unreachable && engine.brokerUnreachableSince === undefined) {
    reasons.push(`broker unreachable from the reply consumer since ${iso(replies.unreachable.since)} (${replies.unreachable.error})`);
  }
  return {
    ready: reasons.length === 0,
    reasons,
    checks: {
      transport_connected: engine.state === 'running' && engine.brokerUnreachableSince === undefined && !replies.unreachable,
      tasks_assigned: engine.tasks > 0,
      stores_restored: engine.restoring === 0,
      replies_consuming: replies.reading && !replies.failing,
    },
    engine,
  };
}

export function opsRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok', instance: d.instanceId }));
  app.get('/readyz', (c) => {
    const r = readiness(d);
    const e = r.engine;
    return c.json(
      {
        ready: r.ready,
        reasons: r.reasons,
        checks: r.checks,
        engine: e.state,
        engine_since: iso(e.stateSince),
        tasks: e.tasks,
        restoring: e.restoring,
        ...(e.brokerUnreachableSince !== undefined ? { broker_unreachable_since: iso(e.brokerUnreachableSince) } : {}),
        retrying: e.retrying.map((f) => ({
          operation: f.operation,
          since: iso(f.since),
          attempts: f.attempts,
          gives_up_at: iso(f.givesUpAt),
          error: f.lastError,
        })),
        ...(e.lastError ? { last_error: { code: e.lastError.code, message: e.lastError.message, at: iso(e.lastError.at) } } : {}),
        instance: d.instanceId,
        transport: d.transport.kind,
      },
      r.ready ? 200 : 503,
    );
  });
  app.get('/metrics', async (c) => {
    const { contentType, body } = await d.metrics.render();
    return c.body(body, 200, { 'content-type': contentType });
  });
  // The operator API (operator tokens only): state stores wherever they live.
  app.route('/api/ops/stores', storeRoutes(d));
  // The cluster-wide topology page's data (the page itself is /topology).
  app.route('/', clusterTopologyRoutes(d));
  return app;
}

const iso = (t: number): string => new Date(t).toISOString();
