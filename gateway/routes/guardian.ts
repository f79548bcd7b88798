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
import { Hono, type Context } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { GatewayHeaders } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { readJson } from '../middleware/json-body.js';
import { validTraceparent } from '../publish/envelope.js';
import type { FieldError } from '../publish/validate.js';
import type { GuardianResponse } from '../streams/advice-tracker.js';
import type { GatewayEnv } from '../types.js';
import { chooseLanguage, pipelineDefaultLanguage } from '../language/choose.js';
import { type Language, LANGUAGES, languageOf } from '../../providers/advisors/language.js';

const MAX_QUESTION = 2000;

/** The seconds of `Prefer: wait=N`, undefined without it. */
export function preferWait(header: string | undefined): number | undefined {
  const m = header && /(?:^|[,;\s])wait\s*=\s*"?(\d+)"?/i.exec(header);
  return m ? Number(m[1]) : undefined;
}

function validateQuestion(body: unknown): { question: string; language?: Language } | FieldError[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [{ path: '', message: 'must be an object' }];
  const errors: FieldError[] = [];
  const { question, language, ...rest } = body as Record<string, unknown>;
  if (typeof question !== 'string') errors.push({ path: '/question', message: question === undefined ? 'is required' : 'must be a string' });
  else if (question.trim().length === 0) errors.push({ path: '/question', message: 'must not be empty' });
  else if (question.length > MAX_QUESTION) errors.push({ path: '/question', message: `must be at most ${MAX_QUESTION} characters` });
  // A language tag: `es`, `es-MX`, `en-US`… only its primary subtag counts.
  const chosen = languageOf(language);
  if (language !== undefined && !chosen) errors.push({ path: '/language', message: `must be a language tag of ${LANGUAGES.map((l) => JSON.stringify(l)).join(' or ')} (e.g. "es-MX")` });
  for (const k of Object.keys(rest)) errors.push({ path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'is not allowed' });
  return errors.length > 0 ? errors : { question: question as string, ...(chosen ? { language: chosen } : {}) };
}

export function guardianRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const topic = d.topics.guardianRequests;
  if (!topic) return app;
  const defaultLanguage = pipelineDefaultLanguage(d.pipeline);

  app.post('/advice', async (c) => {
    const checked = validateQuestion(await readJson(c));
    if (Array.isArray(checked)) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'the body must be {"question": "...", "language"?: "es" | "en"}', { errors: checked });
    const { language } = await chooseLanguage(c, checked, defaultLanguage);
    const user = c.get('user');
    const now = d.now();
    const correlationId = randomUUID();
    const deadline = now + d.limits.adviceDeadlineMs;
    const request = { correlation_id: correlationId, user_id: user, question: checked.question, language, deadline, reply_to: { instance: d.instanceId }, created_at: now };
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
    if (!answer) return c.json({ correlation_id: correlationId, status: 'accepted', language, deadline: new Date(deadline).toISOString(), stream: '/ws' }, 202);

    c.header('Preference-Applied', `wait=${wait}`);
    const response = await answer;
    if (!response) {
      throw new HttpError(504, HttpCodes.DEADLINE_EXCEEDED, `no answer within ${wait} s; it will still arrive on the stream if the Guardian answers before the deadline`, { correlation_id: correlationId, language });
    }
    return answerResponse(c, response, language);
  });
  return app;
}

/** The final answer; `language` is the one the request asked for, which the Guardian answers in (and records on the response). */
function answerResponse(c: Context<GatewayEnv>, r: GuardianResponse, language: Language): Response {
  const body = { correlation_id: r.correlation_id, status: r.status, language, advice: r.advice ?? null, chunks: r.chunks, context_version: r.context_version ?? null, sources: r.sources ?? [] };
  if (r.status === 'ok') {
    c.header('Content-Language', language);
    return c.json(body, 200);
  }
  const code = r.status === 'timeout' ? HttpCodes.DEADLINE_EXCEEDED : HttpCodes.GUARDIAN_FAILED;
  throw new HttpError(r.status === 'timeout' ? 504 : 502, code, r.error?.message ?? `the Guardian answered ${r.status}`, body);
}
