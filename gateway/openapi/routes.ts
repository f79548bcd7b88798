/**
 * `GET /openapi.json` (the contract of this gateway: the operations it serves)
 * and `GET /docs` (the same, rendered for people by a self-contained page).
 * Unauthenticated and rate-limited per client address, like `/topology`.
 */
import { Hono } from 'hono';
import type { GatewayDeps } from '../deps.js';
import type { GatewayEnv } from '../types.js';
import { ContractChecker } from './check.js';
import { openApiDocument } from './document.js';
import { featuresOf, gatewayOperations } from './operations.js';
import { OPENAPI_PAGE } from './page.js';

/** The document of the gateway `d` describes, built once on first use. */
export function gatewayContract(d: GatewayDeps): { document(): Record<string, unknown>; checker(): ContractChecker } {
  let doc: Record<string, unknown> | undefined;
  let checker: ContractChecker | undefined;
  const document = () => (doc ??= openApiDocument({ app: d.pipeline.app, operations: gatewayOperations(featuresOf(d)) }));
  return { document, checker: () => (checker ??= new ContractChecker(JSON.parse(JSON.stringify(document())))) };
}

export function openApiRoutes(document: () => Record<string, unknown>): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => c.html(OPENAPI_PAGE));
  return app;
}
