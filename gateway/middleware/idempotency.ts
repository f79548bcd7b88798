/**
 * `Idempotency-Key` for the publishing routes, kept in memory (an LRU with a
 * TTL, per instance — acceptable because the event id is derived from user and
 * key, so even a retry the memory forgot publishes the same event id, which
 * the aggregate folds only once). Semantics, per user and key:
 *   same key, same body, done      → the first response again, nothing published
 *   same key, same body, in flight → 409
 *   same key, another body         → 422
 * Only successful (2xx) answers are remembered: a failed attempt may be retried.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';
import { LruTtl } from './lru.js';

/** What an Idempotency-Key may be (also its schema in the OpenAPI document). */
export const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

interface Entry {
  fingerprint: string;
  state: 'in_flight' | 'done';
  status?: number;
  body?: string;
  contentType?: string;
}

export interface IdempotencyOptions {
  maxEntries: number;
  ttlMs: number;
}

export function idempotency(options: IdempotencyOptions): MiddlewareHandler<GatewayEnv> {
  const entries = new LruTtl<Entry>(options.maxEntries, options.ttlMs);
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'Idempotency-Key must be 1 to 128 visible ASCII characters', {
        errors: [{ path: '/headers/idempotency-key', message: 'must be 1 to 128 visible ASCII characters' }],
      });
    }
    const body = await c.req.text();
    const fingerprint = createHash('sha256').update(c.req.method).update('\0').update(c.req.path).update('\0').update(body).digest('base64url');
    const slot = `${c.get('user')}\u0000${key}`;
    const seen = entries.get(slot);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new HttpError(422, HttpCodes.IDEMPOTENCY_MISMATCH, 'this Idempotency-Key was used with another request body');
      }
      if (seen.state === 'in_flight') {
        throw new HttpError(409, HttpCodes.IDEMPOTENCY_IN_FLIGHT, 'a request with this Idempotency-Key is still being processed', {}, { 'Retry-After': '1' });
      }
      c.header('Idempotent-Replayed', 'true');
      if (seen.contentType) c.header('Content-Type', seen.contentType);
      return c.body(seen.body ?? '', seen.status as ContentfulStatusCode);
    }
    const entry: Entry = { fingerprint, state: 'in_flight' };
    entries.set(slot, entry);
    try {
      await next();
    } catch (err) {
      entries.delete(slot);
      throw err;
    }
    // Hono turns thrown errors into responses inside next(): check the outcome, not just "no throw".
    if (c.error || c.res.status < 200 || c.res.status >= 300) {
      entries.delete(slot);
      return;
    }
    entry.state = 'done';
    entry.status = c.res.status;
    entry.body = await c.res.clone().text();
    entry.contentType = c.res.headers.get('content-type') ?? undefined;
    entries.set(slot, entry);
  };
}
