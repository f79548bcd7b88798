/**
 * The contract of the operations endpoints of routes/ops.ts: health, readiness
 * and Prometheus metrics. Declared here because those routes validate nothing
 * (no input); the readiness body names what orchestrators and runbooks read
 * and leaves room for detail.
 */
import { Type } from '@sinclair/typebox';
import { ANONYMOUS_ERRORS } from './errors.js';
import { defineOperation, named } from './operation.js';

const HealthSchema = named('Health', Type.Object({ status: Type.Literal('ok'), instance: Type.String() }, { additionalProperties: false }));

const ReadinessSchema = named(
  'Readiness',
  Type.Object(
    {
      ready: Type.Boolean(),
      checks: Type.Record(Type.String(), Type.Boolean(), {
        description: 'Each condition of readiness (`transport_connected`, `tasks_assigned`, `stores_restored`, `replies_consuming`).',
      }),
      reasons: Type.Optional(Type.Array(Type.String(), { description: 'Why not ready, one sentence each (e.g. "broker unreachable since …").' })),
      instance: Type.String(),
      transport: Type.String({ description: '`embedded` or `kafka`.' }),
    },
    { additionalProperties: true, description: 'Also the engine state, task counts and, during an outage, what is being retried since when.' },
  ),
);

export const opsOperations = [
  defineOperation({
    method: 'get',
    path: '/healthz',
    operationId: 'get-health',
    tags: ['operations'],
    summary: 'Liveness: the process answers',
    description: 'Never rate-limited. Use it for liveness probes: it stays 200 through a broker outage, which the gateway rides out.',
    security: [],
    responses: { 200: { description: 'Alive.', schema: HealthSchema } },
  }),
  defineOperation({
    method: 'get',
    path: '/readyz',
    operationId: 'get-readiness',
    tags: ['operations'],
    summary: 'Readiness: send traffic here?',
    description:
      'Never rate-limited. 200 when the engine runs with its tasks assigned and restored and the reply consumer reads; otherwise 503 with the failing checks.',
    security: [],
    responses: {
      200: { description: 'Ready.', schema: ReadinessSchema },
      503: { description: 'Not ready (no Retry-After: poll again).', schema: ReadinessSchema },
    },
  }),
  defineOperation({
    method: 'get',
    path: '/metrics',
    operationId: 'get-metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    description: 'The text exposition format: Kafka Streams-style engine metrics and the gateway\'s own (docs/gateway.md, "Ops").',
    security: [],
    responses: { 200: { description: 'The metrics.', contentType: 'text/plain', schema: { type: 'string' } }, ...ANONYMOUS_ERRORS },
  }),
];
