/**
 * `POST /api/holistic/{mood-entries,activities,ikigai}/` — the publishing
 * endpoints of the plan. Validate against the event's data schema, wrap in the
 * `user-event` envelope, produce to `aura360.user.events` keyed by user, and
 * answer 201 with the event id once the log acknowledged it. The status of
 * the event then follows on the user's WebSocket stream.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Hono } from 'hono';
import type { RecordMetadata } from '../../transports/types.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayHeaders } from '../headers.js';
import { idempotency, KEY_PATTERN } from '../middleware/idempotency.js';
import { readJson } from '../middleware/json-body.js';
import { AUTHENTICATED_ERRORS, errorResponse, JSON_BODY_ERRORS } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import { eventSchemaRef } from '../openapi/validate.js';
import { buildEnvelope } from '../publish/envelope.js';
import { PUBLISH_KINDS } from '../publish/validate.js';
import type { GatewayEnv } from '../types.js';

export const PublishedEventSchema = named(
  'PublishedEvent',
  Type.Object(
    {
      id: Type.String({ format: 'uuid', description: 'The event id: follow it on the WebSocket stream (`event.status`).' }),
      type: Type.Union(Object.values(PUBLISH_KINDS).map((k) => Type.Literal(k.type))),
      user_id: Type.String({ description: "The token's user (never taken from the body)." }),
      time: Type.String({ format: 'date-time' }),
      partition: Type.Integer({ minimum: 0 }),
      offset: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false, description: 'The event, acknowledged by the log: where it was stored.' },
  ),
);

/** One operation per publishing endpoint: the body is the event's data schema (`schemas/events`). */
export const publishOperations = Object.entries(PUBLISH_KINDS).map(([segment, kind]) =>
  defineOperation({
    method: 'post',
    path: `/api/holistic/${segment}/`,
    operationId: `publish-${segment}`,
    tags: ['events'],
    summary: `Publish a ${kind.type} event`,
    description:
      `Validates the body against the \`${kind.schema}\` schema, wraps it in the \`user-event\` envelope and produces it to the user events topic keyed by the user. ` +
      'Answers 201 once the log acknowledged it; its processing status then follows on the WebSocket stream.',
    security: ['bearer'],
    body: eventSchemaRef(kind.schema),
    bodyInvalid: `the body does not match the ${kind.schema} schema`,
    headers: {
      'Idempotency-Key': {
        description:
          'The same key and body again answer the first response (`Idempotent-Replayed: true`) and publish nothing; another body: 422; while the first is in flight: 409.',
        schema: { type: 'string', pattern: KEY_PATTERN.source },
      },
      traceparent: {
        description:
          'W3C trace context, copied to the event and its record headers when well-formed (with tracing on, the record names the gateway\'s span under it: docs/operations.md, "Tracing").',
        schema: { type: 'string' },
      },
      tracestate: { description: 'W3C trace state (with a valid traceparent).', schema: { type: 'string', maxLength: 512 } },
    },
    responses: {
      201: {
        description: 'Published.',
        schema: PublishedEventSchema,
        headers: {
          'Idempotent-Replayed': { description: '`true` on the replayed answer of a repeated Idempotency-Key.', schema: { type: 'string', enum: ['true'] } },
        },
      },
      ...AUTHENTICATED_ERRORS,
      ...JSON_BODY_ERRORS,
      400: errorResponse(400, 'The body is not JSON, does not match the schema (every problem in `errors`), or the Idempotency-Key is malformed.'),
      409: errorResponse(409),
      422: errorResponse(422),
      503: errorResponse(503, 'The event log did not take the record in time (a broker outage): retry after `Retry-After`, with the same Idempotency-Key.'),
    },
  }),
);

export function holisticRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const topic = d.topics.userEvents;
  if (!topic) return app; // a pipeline without user events: nothing to publish to
  app.use('*', idempotency({ maxEntries: d.limits.idempotencyMaxEntries, ttlMs: d.limits.idempotencyTtlMs }));

  for (const [i, [segment, kind]] of Object.entries(PUBLISH_KINDS).entries()) {
    const operation = publishOperations[i]!;
    app.post(`/${segment}`, async (c) => {
      const started = performance.now();
      const body = operation.parseBody(await readJson(c));
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
      let meta: RecordMetadata;
      try {
        meta = await d.publisher.publish(topic, user, event, headers, now);
      } catch (err) {
        d.status.abandoned(event.id);
        throw err;
      }
      d.status.received(event.id, { partition: meta.partition, offset: meta.offset });
      d.metrics.publishLatency.observe({ event_type: event.type }, (performance.now() - started) / 1000);
      const published: Static<typeof PublishedEventSchema> = {
        id: event.id,
        type: event.type,
        user_id: user,
        time: event.time,
        partition: meta.partition,
        offset: meta.offset,
      };
      return c.json(published, 201);
    });
  }
  return app;
}
