/**
 * The request-target's path, checked against RFC 3986 before anything
 * parses it: only unreserved characters, sub-delimiters, `:`, `@`, `/` and
 * well-formed percent-escapes. WHATWG URL parsing is lenient (`//[` is a path
 * to it), Node's HTTP parser lets more through still; a path outside the
 * grammar is no route of ours, and saying so with a 400 beats guessing what
 * it meant. The query is left to the routes (clients send `{`, `|`, … there
 * unencoded, and only the routes know what they read).
 */
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';

const PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/** Whether the path of a request-target (origin-form `/p?q`, or absolute-form `http://h/p?q`) is well formed. */
export function targetPathWellFormed(target: string): boolean {
  let rest = target;
  const absolute = /^https?:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length) || '/';
  if (rest[0] !== '/') return false;
  const q = rest.search(/[?#]/);
  return PATH.test(q < 0 ? rest : rest.slice(0, q));
}

export const MALFORMED_TARGET = 'malformed request-target (RFC 3986 path)';

/** 400 for a request whose raw request-target has a malformed path (requests served by @hono/node-server; `app.request()` has none). */
export function requireWellFormedTarget(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.url;
    if (raw !== undefined && !targetPathWellFormed(raw)) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, MALFORMED_TARGET);
    await next();
  };
}
