/**
 * Token buckets: `burst` requests at once, refilled at `perSecond`. Over the
 * limit: 429 with `Retry-After` (whole seconds until one token is back).
 * Keyed by user (authenticated routes) or by client address (unauthenticated
 * routes, WebSocket handshakes, failed authentications). In memory and per
 * instance: with N instances behind a balancer the effective limit is up to N
 * times higher unless users are routed sticky.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  /** Keys tracked at most (the least recently used is forgotten: it gets a full bucket back). */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  last: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.lastSweep = this.now();
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`: 0 when granted, else the seconds until one is back. */
  take(key: string): number {
    const { perSecond, burst } = this.options;
    const t = this.now();
    if (t - this.lastSweep > 60_000) this.sweep(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: burst, last: t };
    } else {
      b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * perSecond);
      b.last = t;
      this.buckets.delete(key); // re-inserted below: Map order is recency
    }
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
    b.tokens -= 1;
    return 0;
  }

  /** A full bucket carries no information: forget it so the map holds active keys only. */
  private sweep(t: number): void {
    const fullAfter = (this.options.burst / this.options.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (t - b.last >= fullAfter) this.buckets.delete(key);
    this.lastSweep = t;
  }
}

export function rateLimited(retryAfter: number, what: string, o: RateLimitOptions): HttpError {
  return new HttpError(
    429,
    HttpCodes.RATE_LIMITED,
    `too many requests: at most ${o.perSecond}/s (burst ${o.burst}) ${what}`,
    {},
    { 'Retry-After': String(retryAfter) },
  );
}

/** Per-user limit of the authenticated routes (after the authentication middleware). */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayEnv> {
  const buckets = new TokenBuckets(options);
  return async (c, next) => {
    const wait = buckets.take(c.get('user'));
    if (wait > 0) throw rateLimited(wait, 'per user', options);
    await next();
  };
}
