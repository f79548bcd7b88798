/**
 * `POST /api/dev/token {user_id}` — development mode only (`AURA_DEV_AUTH=1`,
 * or `aura serve` on the embedded log, bound to loopback, without any JWT key
 * configured): issues a local HS256 token, signed with the development secret
 * (never a configured key), so the quick start works without an identity
 * provider. Every issued token is logged as a warning; with a real key
 * configured the route does not exist and such tokens are refused.
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { readJson } from '../middleware/json-body.js';
import type { GatewayEnv } from '../types.js';

const TTL_SECONDS = 24 * 3600;

export function devRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  if (!d.auth.options.devTokens) return app;
  app.post('/token', async (c) => {
    const body = (await readJson(c)) as { user_id?: unknown } | null;
    const user = body?.user_id;
    if (typeof user !== 'string' || user.length === 0 || user.length > 128 || /[\u0000-\u001f]/.test(user)) {
      throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'the body must be {"user_id": "..."}', { errors: [{ path: '/user_id', message: 'must be a string of 1 to 128 printable characters' }] });
    }
    const { token, expiresIn } = await d.auth.signDevToken(user, TTL_SECONDS);
    d.logger.warn({ user_id: user }, 'DEVELOPMENT TOKEN ISSUED (development auth): anyone can act as any user on this gateway');
    return c.json({ token, token_type: 'Bearer', user_id: user, expires_in: expiresIn, dev: true }, 201);
  });
  return app;
}
