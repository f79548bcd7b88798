/**
 * Operations: `/healthz` (the process answers), `/readyz` (the engine runs
 * with its tasks assigned and restored, the reply consumer reads: only then
 * should a balancer send traffic) and `/metrics` (Prometheus).
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import type { GatewayEnv } from '../types.js';

export function readiness(d: GatewayDeps): { ready: boolean; checks: Record<string, boolean>; detail: Record<string, unknown> } {
  const { engine } = d.app;
  const checks = {
    transport_connected: engine.state === 'running',
    tasks_assigned: engine.tasks.size > 0,
    stores_restored: engine.restoring === 0,
    replies_consuming: d.replies.ready,
  };
  return {
    ready: Object.values(checks).every(Boolean),
    checks,
    detail: { engine: engine.state, tasks: engine.tasks.size, restoring: engine.restoring, instance: d.instanceId, transport: d.transport.kind },
  };
}

export function opsRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok', instance: d.instanceId }));
  app.get('/readyz', (c) => {
    const r = readiness(d);
    return c.json({ ready: r.ready, checks: r.checks, ...r.detail }, r.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const { contentType, body } = await d.metrics.render();
    return c.body(body, 200, { 'content-type': contentType });
  });
  return app;
}
