/**
 * A SERVER span per HTTP request (docs/operations.md, "Tracing"), child of the
 * client's `traceparent` when it sends a valid one. It is active while the
 * route runs, so the publish span (publish/publisher.ts) is its child and the
 * record goes out with the publish span's context. Installed only while
 * tracing is on; health probes and metric scrapes are not traced.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { contextOfHeaders, runInSpan, SpanNames, startSpan } from '../../common/tracing/spans.js';
import type { GatewayEnv } from '../types.js';

/** Probes and scrapes, every few seconds from every orchestrator and Prometheus: a trace each would drown the rest. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

export function traceRequests(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (UNTRACED.has(c.req.path)) return next();
    const traceparent = c.req.header('traceparent');
    const tracestate = c.req.header('tracestate');
    const parent = contextOfHeaders(traceparent === undefined ? {} : { traceparent, ...(tracestate === undefined ? {} : { tracestate }) });
    // Named by the method until the route is known (it is matched inside `next`).
    const span = startSpan(c.req.method, SpanKind.SERVER, parent, () => ({
      'http.request.method': c.req.method,
      'url.path': c.req.path.slice(0, 200),
      'url.scheme': new URL(c.req.url).protocol.replace(':', ''),
    }));
    await runInSpan(span, parent, async () => {
      await next();
      if (!span.isRecording()) return;
      const route = c.req.routePath && c.req.routePath !== '/*' && c.req.routePath !== '*' ? c.req.routePath : undefined;
      if (route) {
        span.updateName(SpanNames.request(c.req.method, route));
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', c.res.status);
      // HTTP semantics: a 5xx is the server's failure; a 4xx the client's, not an error of this span.
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${c.res.status}` });
    });
  };
}
