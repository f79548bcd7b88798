/**
 * The gateway's error vocabulary and its single `onError` handler. Every
 * non-2xx answer has the same body, `{ error: { code, message }, ...details }`,
 * so the mobile app reads one shape; codes are stable (never rename one).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Logger } from '../common/logger.js';

export const HttpCodes = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UPGRADE_REQUIRED: 'UPGRADE_REQUIRED',
  RATE_LIMITED: 'RATE_LIMITED',
  IDEMPOTENCY_IN_FLIGHT: 'IDEMPOTENCY_IN_FLIGHT',
  IDEMPOTENCY_MISMATCH: 'IDEMPOTENCY_MISMATCH',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  GUARDIAN_FAILED: 'GUARDIAN_FAILED',
  NOT_OWNER: 'NOT_OWNER',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type HttpCode = (typeof HttpCodes)[keyof typeof HttpCodes] | string;

/** Thrown by routes and middleware; turned into a JSON answer by `onGatewayError`. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(code: HttpCode, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { error: { code, message }, ...details };
}

/** Engine errors that reach a route: the status says whose fault it is and whether to retry. */
export const AURA_STATUS: Partial<Record<string, ContentfulStatusCode>> = {
  [ErrorCodes.SCHEMA_VIOLATION]: 400,
  [ErrorCodes.TRANSPORT_FAILED]: 503,
  [ErrorCodes.TRANSPORT_FENCED]: 503,
  [ErrorCodes.TOPIC_MISSING]: 503,
  [ErrorCodes.PROVIDER_FAILED]: 502,
  [ErrorCodes.PROVIDER_TIMEOUT]: 504,
  [ErrorCodes.DEADLINE_EXCEEDED]: 504,
  [ErrorCodes.MODEL_MISSING]: 503,
};

export const HTTP_EXCEPTION_CODES: Record<number, HttpCode> = {
  400: HttpCodes.VALIDATION_FAILED,
  401: HttpCodes.UNAUTHORIZED,
  403: HttpCodes.FORBIDDEN,
  404: HttpCodes.NOT_FOUND,
  413: HttpCodes.PAYLOAD_TOO_LARGE,
  415: HttpCodes.UNSUPPORTED_MEDIA_TYPE,
  429: HttpCodes.RATE_LIMITED,
};

/** The one `onError` of the app. */
export function onGatewayError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException) {
      // hono/jwt and friends: keep their status and challenge headers, give the body our shape.
      const res = err.getResponse();
      res.headers.forEach((v, k) => {
        if (k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'content-length') c.header(k, v);
      });
      const status = err.status as ContentfulStatusCode;
      return c.json(errorBody(HTTP_EXCEPTION_CODES[status] ?? HttpCodes.INTERNAL, err.message || res.statusText || 'request failed'), status);
    }
    if (err instanceof AuraError) {
      const status = AURA_STATUS[err.code] ?? 500;
      if (status >= 500) logger.warn({ code: err.code, err: err.message, path: c.req.path }, 'request failed');
      // The failing part may know how long to wait (the publisher: its outage backoff); else 1 s.
      const after = err.details?.retryAfterSeconds;
      if (err.retriable || status === 503) c.header('Retry-After', String(typeof after === 'number' && after >= 1 ? Math.ceil(after) : 1));
      return c.json(errorBody(err.code, err.message), status);
    }
    logger.error({ err: err.message, stack: err.stack, path: c.req.path }, 'unhandled error');
    return c.json(errorBody(HttpCodes.INTERNAL, 'internal error'), 500);
  };
}
