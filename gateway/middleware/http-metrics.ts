/** Counts requests by method, matched route pattern (not the raw path: bounded labels) and status. */
import type { MiddlewareHandler } from 'hono';
import type { GatewayMetrics } from '../metrics/prometheus.js';
import type { GatewayEnv } from '../types.js';

export function httpMetrics(metrics: GatewayMetrics): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await next();
    const route = c.req.routePath && c.req.routePath !== '/*' && c.req.routePath !== '*' ? c.req.routePath : 'unmatched';
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  };
}
