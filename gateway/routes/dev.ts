/**
 * `POST /api/dev/token {user_id}` — development mode only (`AURA_DEV_AUTH=1`,
 * or `aura serve` on the embedded log, bound to loopback, without any JWT key
 * configured): issues a local HS256 token, signed with the development secret
 * (never a configured key), so the quick start works without an identity
 * provider. Every issued token is logged as a warning; with a real key
 * configured the route does not exist and such tokens are refused.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import { readJson } from '../middleware/json-body.js';
import { ANONYMOUS_ERRORS, errorResponse, JSON_BODY_ERRORS } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import type { GatewayEnv } from '../types.js';

export const DevTokenSchema = named(
  'DevToken',
  Type.Object(
    {
      token: Type.String({ description: 'An HS256 JWT signed with the development secret.' }),
      token_type: Type.Literal('Bearer'),
      user_id: Type.String(),
      expires_in: Type.Integer({ minimum: 1, description: 'Seconds.' }),
      dev: Type.Literal(true),
    },
    { additionalProperties: false },
  ),
);

export const devTokenOperation = defineOperation({
  method: 'post',
  path: '/api/dev/token',
  operationId: 'issue-dev-token',
  tags: ['development'],
  summary: 'A development token for any user (development mode only)',
  description:
    'Exists only in development auth mode (AURA_DEV_AUTH=1 without a key, or `aura serve` on the embedded log, bound to loopback, without any JWT key): signs a 24 h token for the given user. With a real key configured: 404. Every issued token is logged as a warning.',
  security: [],
  body: Type.Object(
    { user_id: Type.String({ pattern: '^[^\\u0000-\\u001f]{1,128}$', 'x-message': 'must be a string of 1 to 128 printable characters' }) },
    { additionalProperties: false },
  ),
  bodyInvalid: 'the body must be {"user_id": "..."}',
  responses: {
    201: { description: 'The token.', schema: DevTokenSchema },
    400: errorResponse(400),
    404: errorResponse(404, 'Not in development mode: the route does not exist.'),
    ...JSON_BODY_ERRORS,
    ...ANONYMOUS_ERRORS,
  },
});

const TTL_SECONDS = 24 * 3600;

export function devRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  if (!d.auth.options.devTokens) return app;
  app.post('/token', async (c) => {
    const user = devTokenOperation.parseBody(await readJson(c)).user_id;
    const { token, expiresIn } = await d.auth.signDevToken(user, TTL_SECONDS);
    d.logger.warn({ user_id: user }, 'DEVELOPMENT TOKEN ISSUED (development auth): anyone can act as any user on this gateway');
    const issued: Static<typeof DevTokenSchema> = { token, token_type: 'Bearer', user_id: user, expires_in: expiresIn, dev: true };
    return c.json(issued, 201);
  });
  return app;
}
