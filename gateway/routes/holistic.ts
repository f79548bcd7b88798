/**
 * `POST /api/holistic/{mood-entries,activities,ikigai}/` — the publishing
 * endpoints of the plan. Validate against the event's data schema, wrap in the
 * `user-event` envelope, produce to `aura360.user.events` keyed by user, and
 * answer 201 with the event id once the log acknowledged it. The status of
 * the event then follows on the user's WebSocket stream.
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { GatewayHeaders } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { idempotency } from '../middleware/idempotency.js';
import { readJson } from '../middleware/json-body.js';
import { buildEnvelope } from '../publish/envelope.js';
import { PUBLISH_KINDS } from '../publish/validate.js';
import type { GatewayEnv } from '../types.js';

export function holisticRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const topic = d.topics.userEvents;
  if (!topic) return app; // a pipeline without user events: nothing to publish to
  d.validator.preload(Object.values(PUBLISH_KINDS).map((k) => k.schema));
  app.use('*', idempotency({ maxEntries: d.limits.idempotencyMaxEntries, ttlMs: d.limits.idempotencyTtlMs }));

  for (const [segment, kind] of Object.entries(PUBLISH_KINDS)) {
    app.post(`/${segment}`, async (c) => {
      const started = performance.now();
      const body = await readJson(c);
      const errors = d.validator.validate(kind.schema, body);
      if (errors.length > 0) {
        throw new HttpError(400, HttpCodes.VALIDATION_FAILED, `the body does not match the ${kind.schema} schema`, { errors });
      }
      const user = c.get('user');
      const now = d.now();
      const event = buildEnvelope({
        type: kind.type,
        userId: user,
        data: body,
        now,
        idempotencyKey: c.req.header('idempotency-key'),
        traceparent: c.req.header('traceparent'),
        tracestate: c.req.header('tracestate'),
      });
      const headers: Record<string, string> = {
        [GatewayHeaders.replyTo]: d.instanceId,
        [GatewayHeaders.eventId]: event.id,
        [GatewayHeaders.eventType]: event.type,
      };
      if (event.trace?.traceparent) headers[GatewayHeaders.traceparent] = event.trace.traceparent;
      if (event.trace?.tracestate) headers[GatewayHeaders.tracestate] = event.trace.tracestate;
      d.status.publishing({ id: event.id, userId: user, type: event.type, publishedAt: now });
      let meta;
      try {
        meta = await d.publisher.publish(topic, user, event, headers, now);
      } catch (err) {
        d.status.abandoned(event.id);
        throw err;
      }
      d.status.received(event.id, { partition: meta.partition, offset: meta.offset });
      d.metrics.publishLatency.observe({ event_type: event.type }, (performance.now() - started) / 1000);
      return c.json({ id: event.id, type: event.type, user_id: user, time: event.time, partition: meta.partition, offset: meta.offset }, 201);
    });
  }
  return app;
}
