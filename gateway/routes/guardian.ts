/**
 * `POST /api/guardian/advice` — the request side of the Kafka request-reply.
 * The request (correlation id, user, question, deadline, this instance as
 * `reply_to`) goes to `aura360.guardian.requests` keyed by user. By default the
 * answer streams over the user's WebSocket and the route answers 202 at once;
 * with `Prefer: wait=<s>` (RFC 7240) it waits for the final answer: 200, or 504
 * at the deadline (the answer, if it comes later, still reaches the stream).
 * The answer's language is chosen here (language/choose.ts), recorded on the
 * request and echoed in the reply (`language`, `Content-Language`).
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { type Context, Hono } from 'hono';
import { LANGUAGES, type Language, languageOf } from '../../providers/advisors/language.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayHeaders } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { chooseLanguage, pipelineDefaultLanguage } from '../language/choose.js';
import { readJson } from '../middleware/json-body.js';
import { AUTHENTICATED_ERRORS, errorResponse, JSON_BODY_ERRORS } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import { validTraceparent } from '../publish/envelope.js';
import type { GuardianResponse } from '../streams/advice-tracker.js';
import type { GatewayEnv } from '../types.js';

const MAX_QUESTION = 2000;

/** `es`, `ES-mx`, `en_US.UTF-8`…: the primary subtag decides (what `languageOf` reads), in a JSON Schema pattern. */
const anyCase = (tag: string) => [...tag].map((ch) => `[${ch.toLowerCase()}${ch.toUpperCase()}]`).join('');
export const LANGUAGE_TAG_PATTERN = `^\\s*(?:${LANGUAGES.map(anyCase).join('|')})(?:[-_.@\\s]|$)`;

const languageSchema = Type.Union(
  LANGUAGES.map((l) => Type.Literal(l)),
  { description: 'The language of the answer.' },
);

export const AdviceRequestSchema = named(
  'AdviceRequest',
  Type.Object(
    {
      question: Type.String({
        minLength: 1,
        maxLength: MAX_QUESTION,
        pattern: '\\S',
        'x-message': `must be a non-blank string of at most ${MAX_QUESTION} characters`,
        description: "The user's question, in their words.",
      }),
      language: Type.Optional(
        Type.String({
          maxLength: 64,
          pattern: LANGUAGE_TAG_PATTERN,
          'x-message': `must be a language tag of ${LANGUAGES.map((l) => JSON.stringify(l)).join(' or ')} (e.g. "es-MX")`,
          description:
            "The language to answer in, a BCP 47 tag or POSIX locale (`es`, `es-MX`, `en_GB`); only its primary subtag counts. Without it: the token's `locale`, Accept-Language, the question itself, then AURA_DEFAULT_LANGUAGE.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

export const AdviceAcceptedSchema = named(
  'AdviceAccepted',
  Type.Object(
    {
      correlation_id: Type.String({ format: 'uuid', description: 'Pairs the request with its chunks and answer on the stream.' }),
      status: Type.Literal('accepted'),
      language: languageSchema,
      deadline: Type.String({ format: 'date-time', description: 'The Guardian answers `timeout` after it.' }),
      stream: Type.Literal('/ws', { description: 'Where the chunks and the answer arrive.' }),
    },
    { additionalProperties: false },
  ),
);

export const AdviceAnswerSchema = named(
  'AdviceAnswer',
  Type.Object(
    {
      correlation_id: Type.String({ format: 'uuid' }),
      status: Type.Union([Type.Literal('ok'), Type.Literal('timeout'), Type.Literal('error')]),
      language: languageSchema,
      advice: Type.Union([Type.String(), Type.Null()]),
      chunks: Type.Integer({ minimum: 0, description: 'How many chunks the answer was streamed in.' }),
      context_version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'The version of the context window the advice is based on.' }),
      sources: Type.Array(
        Type.Object({ point_id: Type.String(), score: Type.Number(), window_end: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      ),
    },
    { additionalProperties: false, description: 'The final answer (`Prefer: wait`).' },
  ),
);

export const adviceOperation = defineOperation({
  method: 'post',
  path: '/api/guardian/advice',
  operationId: 'ask-guardian',
  tags: ['guardian'],
  summary: 'Ask the Guardian for advice',
  description:
    'Publishes a Guardian request keyed by the user (Kafka request-reply, answers routed back to this instance). By default answers 202 at once, and the answer streams over the WebSocket (`guardian.chunk`s, then `guardian.response`). ' +
    'With `Prefer: wait=<seconds>` (RFC 7240) it waits for the final answer: 200, or 504 at the deadline (the answer, if it comes later, still reaches the stream).',
  security: ['bearer'],
  body: AdviceRequestSchema,
  bodyInvalid: `the body must be {"question": "...", "language"?: ${LANGUAGES.map((l) => JSON.stringify(l)).join(' | ')}}`,
  headers: {
    Prefer: { description: '`wait=<seconds>`: answer synchronously, waiting at most that long (capped by the deadline).', schema: { type: 'string' } },
    'Accept-Language': { description: 'Chooses the language when neither the body nor the token names one.', schema: { type: 'string' } },
    traceparent: {
      description:
        'W3C trace context, copied to the request record when well-formed (with tracing on, the record names the gateway\'s span under it: docs/operations.md, "Tracing").',
      schema: { type: 'string' },
    },
  },
  responses: {
    200: {
      description: 'The answer (with `Prefer: wait`).',
      schema: AdviceAnswerSchema,
      headers: {
        'Preference-Applied': { description: 'Echoes `wait=<seconds>`.', required: true, schema: { type: 'string' } },
        'Content-Language': { description: 'The language of the advice.', required: true, schema: { type: 'string' } },
      },
    },
    202: { description: 'Accepted: the answer follows on the WebSocket stream.', schema: AdviceAcceptedSchema },
    ...AUTHENTICATED_ERRORS,
    ...JSON_BODY_ERRORS,
    502: errorResponse(502, "The Guardian answered `error` (GUARDIAN_FAILED; the answer's fields beside `error`)."),
    503: errorResponse(503, 'The event log did not take the request in time (a broker outage): retry after `Retry-After`.'),
    504: errorResponse(
      504,
      'No answer within `Prefer: wait` or the deadline (DEADLINE_EXCEEDED, with `correlation_id` and `language`; the answer may still arrive on the stream), or the Guardian answered `timeout`.',
    ),
  },
});

/** The seconds of `Prefer: wait=N`, undefined without it. */
export function preferWait(header: string | undefined): number | undefined {
  const m = header && /(?:^|[,;\s])wait\s*=\s*"?(\d+)"?/i.exec(header);
  return m ? Number(m[1]) : undefined;
}

export function guardianRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const topic = d.topics.guardianRequests;
  if (!topic) return app;
  const defaultLanguage = pipelineDefaultLanguage(d.pipeline);

  app.post('/advice', async (c) => {
    const body = adviceOperation.parseBody(await readJson(c));
    const { language } = await chooseLanguage(c, { question: body.question, language: languageOf(body.language) }, defaultLanguage);
    const user = c.get('user');
    const now = d.now();
    const correlationId = randomUUID();
    const deadline = now + d.limits.adviceDeadlineMs;
    const request = {
      correlation_id: correlationId,
      user_id: user,
      question: body.question,
      language,
      deadline,
      reply_to: { instance: d.instanceId },
      created_at: now,
    };
    const headers: Record<string, string> = { [GatewayHeaders.replyTo]: d.instanceId };
    const traceparent = validTraceparent(c.req.header('traceparent'));
    if (traceparent) headers[GatewayHeaders.traceparent] = traceparent;

    const wait = preferWait(c.req.header('prefer'));
    // The waiter and the tracking row exist before the request is out: no answer can overtake them.
    const answer = wait !== undefined ? d.waiters.wait(correlationId, Math.min(wait * 1000, deadline - now)) : undefined;
    d.advice.requested(correlationId, user, now);
    try {
      await d.publisher.publish(topic, user, request, headers, now);
    } catch (err) {
      d.advice.abandoned(correlationId);
      d.waiters.cancel(correlationId);
      throw err;
    }
    if (!answer) {
      const accepted: Static<typeof AdviceAcceptedSchema> = {
        correlation_id: correlationId,
        status: 'accepted',
        language,
        deadline: new Date(deadline).toISOString(),
        stream: '/ws',
      };
      return c.json(accepted, 202);
    }

    c.header('Preference-Applied', `wait=${wait}`);
    const response = await answer;
    if (!response) {
      throw new HttpError(
        504,
        HttpCodes.DEADLINE_EXCEEDED,
        `no answer within ${wait} s; it will still arrive on the stream if the Guardian answers before the deadline`,
        { correlation_id: correlationId, language },
      );
    }
    return answerResponse(c, response, language);
  });
  return app;
}

/** The final answer; `language` is the one the request asked for, which the Guardian answers in (and records on the response). */
function answerResponse(c: Context<GatewayEnv>, r: GuardianResponse, language: Language): Response {
  const body: Static<typeof AdviceAnswerSchema> = {
    correlation_id: r.correlation_id,
    status: r.status,
    language,
    advice: r.advice ?? null,
    chunks: r.chunks,
    context_version: r.context_version ?? null,
    sources: r.sources ?? [],
  };
  if (r.status === 'ok') {
    c.header('Content-Language', language);
    return c.json(body, 200);
  }
  const code = r.status === 'timeout' ? HttpCodes.DEADLINE_EXCEEDED : HttpCodes.GUARDIAN_FAILED;
  throw new HttpError(r.status === 'timeout' ? 504 : 502, code, r.error?.message ?? `the Guardian answered ${r.status}`, body);
}
