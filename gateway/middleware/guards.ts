/**
 * The gateway's two gates in front of the routes:
 *   - `limitAnonymous`: every request that carries no credential the gateway
 *     checks — unknown paths, the dev endpoint, topology, metrics — costs a
 *     token of its client address's bucket (the probes `/healthz` and
 *     `/readyz` excepted; WebSocket handshakes were charged by the upgrade
 *     listener already);
 *   - `authenticate`: a user's bearer token, or on forwarded queries a peer
 *     token (auth/cluster.ts); a failed attempt also costs the address, so
 *     nobody tries tokens at the rate of the network.
 */
import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../auth/auth.js';
import { type ClusterAuth, PEER_TOKEN_HEADER } from '../auth/cluster.js';
import { HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';
import { ADDRESS_CHARGED } from '../ws/server.js';
import { contextAddress } from './client-address.js';
import { rateLimited, type TokenBuckets } from './rate-limit.js';

/** Polled by orchestrators and balancers: never rate-limited. */
const PROBES = new Set(['/healthz', '/readyz']);

export interface GuardOptions {
  auth: Authenticator;
  cluster: ClusterAuth;
  /** The per-address buckets (shared with the upgrade listener). */
  anonymous: TokenBuckets;
  trustProxy: number;
  /** Path prefixes whose routes authenticate (and are limited per user instead). */
  protectedPrefixes: string[];
}

function charge(o: GuardOptions, c: Parameters<MiddlewareHandler<GatewayEnv>>[0]): void {
  const wait = o.anonymous.take(contextAddress(c, o.trustProxy));
  if (wait > 0) throw rateLimited(wait, 'per client address', o.anonymous.options);
}

export function limitAnonymous(o: GuardOptions): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const p = c.req.path;
    const charged = (c.env as Record<symbol, unknown> | undefined)?.[ADDRESS_CHARGED];
    if (!PROBES.has(p) && !charged && !o.protectedPrefixes.some((x) => p === x || p.startsWith(`${x}/`))) charge(o, c);
    await next();
  };
}

export function authenticate(o: GuardOptions, acceptPeers: boolean): MiddlewareHandler<GatewayEnv> {
  const bearer = o.auth.middleware();
  return async (c, next) => {
    try {
      const peer = acceptPeers ? c.req.header(PEER_TOKEN_HEADER) : undefined;
      if (peer === undefined) return await bearer(c, next);
      c.set('user', await o.cluster.verifyPeerToken(peer, c.req.method, c.req.path));
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) charge(o, c);
      throw err;
    }
    await next();
  };
}
