/**
 * The error side of the contract: the one body every non-2xx answer has
 * (http-error.ts `errorBody`: `{error: {code, message}, ...details}`), and per
 * status the codes it may carry — from the same tables the gateway maps errors
 * with (`HTTP_EXCEPTION_CODES`, `AURA_STATUS`) plus the codes routes and
 * middleware throw themselves. `errorResponse(status)` is what an operation
 * lists; 409, 429 and 503 require `Retry-After`.
 */
import { Type } from '@sinclair/typebox';
import { AURA_STATUS, HTTP_EXCEPTION_CODES, HttpCodes } from '../http-error.js';
import { named, type ResponseDecl } from './operation.js';

export const FieldErrorSchema = named(
  'FieldError',
  Type.Object(
    {
      path: Type.String({
        description: 'JSON pointer to the offending field: into the body (`/score`, `""` for the body itself), or `/query/<name>`, `/headers/<name>`.',
      }),
      message: Type.String(),
    },
    { additionalProperties: false },
  ),
);

export const ErrorSchema = named(
  'Error',
  Type.Object(
    {
      error: Type.Object(
        { code: Type.String({ description: 'Stable: never renamed.' }), message: Type.String({ description: 'For people; may change.' }) },
        { additionalProperties: false },
      ),
      errors: Type.Optional(Type.Array(FieldErrorSchema, { description: 'VALIDATION_FAILED: every problem found.' })),
    },
    { additionalProperties: true, description: 'Every non-2xx answer. Details beside `error` depend on the code (e.g. `correlation_id` on a Guardian 504).' },
  ),
);

/** Codes thrown with an explicit status by routes, middleware and the WebSocket server. */
const THROWN: Record<number, string[]> = {
  400: [HttpCodes.VALIDATION_FAILED],
  405: ['METHOD_NOT_ALLOWED'],
  409: [HttpCodes.IDEMPOTENCY_IN_FLIGHT],
  422: [HttpCodes.IDEMPOTENCY_MISMATCH],
  426: [HttpCodes.UPGRADE_REQUIRED],
  502: [HttpCodes.GUARDIAN_FAILED],
  503: [HttpCodes.NOT_OWNER, HttpCodes.UNAVAILABLE],
  504: [HttpCodes.DEADLINE_EXCEEDED],
};

/** Every code an error answer with `status` may carry. */
export function errorCodesOf(status: number): string[] {
  const codes = new Set<string>(THROWN[status] ?? []);
  const mapped = HTTP_EXCEPTION_CODES[status];
  if (mapped) codes.add(mapped);
  for (const [code, s] of Object.entries(AURA_STATUS)) if (s === status) codes.add(code);
  return [...codes].sort();
}

const RETRY_AFTER = { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } };

const MEANING: Record<number, string> = {
  400: 'The request is invalid: every problem is listed in `errors`. Also a request-target whose path is outside RFC 3986.',
  401: 'No token, or one that is not valid (bad signature, expired, no `exp`, too long-lived, wrong issuer or audience).',
  403: 'The token belongs to another user.',
  404: 'Not found.',
  405: 'A WebSocket handshake must be a GET.',
  409: 'A request with this Idempotency-Key is still being processed.',
  413: 'The body is larger than AURA_BODY_LIMIT.',
  415: 'The body is not `application/json` (optionally `; charset=utf-8`).',
  422: 'This Idempotency-Key was used with another body.',
  426: 'A WebSocket route asked without a (version 13) handshake.',
  429: 'Over the rate limit (per user, or per client address for unauthenticated requests, handshakes and failed authentications).',
  502: 'The Guardian or a model provider failed.',
  503: 'Unavailable for now (the event log does not take records — a broker outage —, no instance owns the data right now, a model is missing): retry after `Retry-After`.',
  504: 'No answer before the deadline.',
};

const bodies = new Map<number, object>();

/** The error body of `status`: `Error` with the codes that status carries (component `Error<status>`). */
function errorSchemaOf(status: number): object {
  let schema = bodies.get(status);
  if (!schema) {
    const codes = { enum: errorCodesOf(status) };
    schema = named(`Error${status}`, { allOf: [ErrorSchema, { type: 'object', properties: { error: { type: 'object', properties: { code: codes } } } }] });
    bodies.set(status, schema);
  }
  return schema;
}

/** An error answer of `status`; `description` says what it means on this operation. */
export function errorResponse(status: number, description = MEANING[status] ?? 'Error.', extra: Pick<ResponseDecl, 'headers'> = {}): ResponseDecl {
  const retry = status === 409 || status === 429 || status === 503;
  return { description, schema: errorSchemaOf(status), headers: { ...(retry ? { 'Retry-After': RETRY_AFTER } : {}), ...extra.headers } };
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': { description: 'The bearer challenge (RFC 6750), when the token was checked.', schema: { type: 'string' } } };

/** The errors of every route behind a user's token, and of JSON bodies. */
export const AUTHENTICATED_ERRORS = {
  400: errorResponse(400),
  401: errorResponse(401, MEANING[401], { headers: WWW_AUTHENTICATE }),
  413: errorResponse(413),
  429: errorResponse(429),
};

export const JSON_BODY_ERRORS = { 413: errorResponse(413), 415: errorResponse(415) };

/** The errors of unauthenticated routes: rate-limited per client address. */
export const ANONYMOUS_ERRORS = { 429: errorResponse(429) };

/** What a request no operation matches may be answered (unknown path or method, refused before routing). */
export const UNMATCHED_ERRORS: Record<number, ResponseDecl> = Object.fromEntries(
  [400, 401, 403, 404, 405, 413, 415, 426, 429].map((s) => [s, errorResponse(s)]),
);
