/**
 * 415 for a request body that is not JSON: every body the gateway reads is
 * JSON, and saying so up front keeps form posts (CSRF from a browser needs no
 * preflight for `text/plain` or form types) and other encodings out. Accepted:
 * `application/json`, optionally with `charset=utf-8`.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => p === '' || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

export function requireJsonBody(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (WITH_BODY.has(c.req.method) && !isJsonContentType(c.req.header('content-type'))) {
      throw new HttpError(
        415,
        HttpCodes.UNSUPPORTED_MEDIA_TYPE,
        'the body must be JSON: send Content-Type: application/json',
        {},
        { Accept: 'application/json' },
      );
    }
    await next();
  };
}
