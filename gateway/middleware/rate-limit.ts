/**
 * Per-user token bucket: `burst` requests at once, refilled at `perSecond`.
 * Over the limit: 429 with `Retry-After` (whole seconds until one token is
 * back). In memory and per instance: with N instances behind a balancer the
 * effective limit is up to N times higher unless users are routed sticky.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  last: number;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayEnv> {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();
  // A full bucket carries no information: forget it so the map holds active users only.
  const sweep = (t: number): void => {
    const fullAfter = (options.burst / options.perSecond) * 1000;
    for (const [user, b] of buckets) if (t - b.last >= fullAfter) buckets.delete(user);
    lastSweep = t;
  };
  return async (c, next) => {
    const user = c.get('user');
    const t = now();
    if (t - lastSweep > 60_000) sweep(t);
    let b = buckets.get(user);
    if (!b) {
      b = { tokens: options.burst, last: t };
      buckets.set(user, b);
    } else {
      b.tokens = Math.min(options.burst, b.tokens + ((t - b.last) / 1000) * options.perSecond);
      b.last = t;
    }
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / options.perSecond));
      throw new HttpError(429, HttpCodes.RATE_LIMITED, `too many requests: at most ${options.perSecond}/s (burst ${options.burst}) per user`, {}, { 'Retry-After': String(retryAfter) });
    }
    b.tokens -= 1;
    await next();
  };
}
