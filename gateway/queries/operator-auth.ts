/**
 * Who may use the operator API (`/api/ops/*`): a bearer token verified like a
 * user's (auth/auth.ts: algorithm, expiry, issuer, audience) that also says it
 * belongs to an operator — claim `role: "operator"`, `roles` containing
 * `"operator"`, or a `scope` with `operator` among its space-separated values.
 * A user token never does: 403. Development tokens never carry a role.
 *
 * An operator request forwarded by another instance carries a peer token
 * instead (auth/cluster.ts), made for this instance, this method and this
 * very path *and query*. Only an instance holding AURA_CLUSTER_SECRET can make
 * one, and it makes one for an `/api/ops` path only after checking the role
 * itself.
 */
import type { MiddlewareHandler } from 'hono';
import type { JWTPayload } from 'hono/utils/jwt/types';
import { PEER_TOKEN_HEADER } from '../auth/cluster.js';
import type { GatewayDeps } from '../deps.js';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';

export const OPERATOR_ROLE = 'operator';

export function isOperator(payload: unknown): boolean {
  const p = (payload ?? {}) as JWTPayload;
  if (p.role === OPERATOR_ROLE) return true;
  if (Array.isArray(p.roles) && p.roles.includes(OPERATOR_ROLE)) return true;
  return typeof p.scope === 'string' && p.scope.split(' ').includes(OPERATOR_ROLE);
}

/** Path and query exactly as received: what a peer token for an operator request is bound to. */
export function requestTarget(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

export function requireOperator(d: GatewayDeps): MiddlewareHandler<GatewayEnv> {
  const bearer = d.auth.middleware();
  return async (c, next) => {
    const peer = c.req.header(PEER_TOKEN_HEADER);
    if (peer !== undefined) {
      c.set('user', await d.cluster.verifyPeerToken(peer, c.req.method, requestTarget(c.req.url)));
      return next();
    }
    await bearer(c, async () => {
      if (!isOperator(c.get('jwtPayload'))) {
        throw new HttpError(403, HttpCodes.FORBIDDEN, 'the operator API needs an operator token (claim role: "operator"); user tokens are refused');
      }
      await next();
    });
  };
}
