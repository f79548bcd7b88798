/**
 * Every HTTP operation of the gateway, from the declarations beside the
 * routes, and which of them a given gateway serves (a pipeline without a
 * Guardian has no advice route, development tokens exist only in development
 * mode…). The committed docs/openapi.json lists them all.
 */
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../deps.js';
import { storeOperations } from '../queries/store-operations.js';
import { devTokenOperation } from '../routes/dev.js';
import { adviceOperation } from '../routes/guardian.js';
import { publishOperations } from '../routes/holistic.js';
import { streamOperation } from '../routes/stream.js';
import { topologyOperations } from '../routes/topology.js';
import { contextOperation, similarOperation } from '../routes/users.js';
import { clusterTopologyOperations } from '../topology/routes.js';
import { ANONYMOUS_ERRORS } from './errors.js';
import { defineOperation, type Operation } from './operation.js';
import { opsOperations } from './ops-operations.js';

export const contractOperations = [
  defineOperation({
    method: 'get',
    path: '/openapi.json',
    operationId: 'get-openapi',
    tags: ['operations'],
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of this gateway: the operations it serves, with the schemas its requests are validated against.',
    security: [],
    responses: {
      200: { description: 'The document.', schema: Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true }) },
      ...ANONYMOUS_ERRORS,
    },
  }),
  defineOperation({
    method: 'get',
    path: '/docs',
    operationId: 'get-api-docs',
    tags: ['operations'],
    summary: 'This document, for people',
    description: 'A self-contained HTML page (nothing loaded from the internet) that renders `/openapi.json`.',
    security: [],
    responses: { 200: { description: 'The page.', contentType: 'text/html' }, ...ANONYMOUS_ERRORS },
  }),
];

/** What a gateway serves besides the routes every gateway has. */
export interface GatewayFeatures {
  /** The pipeline has the user events topic. */
  publish: boolean;
  /** The pipeline has the Guardian requests topic. */
  guardian: boolean;
  /** The pipeline has the embedder and the vector sink `/similar` searches. */
  similar: boolean;
  /** Development auth mode (`POST /api/dev/token`). */
  devTokens: boolean;
}

export const ALL_FEATURES: GatewayFeatures = { publish: true, guardian: true, similar: true, devTokens: true };

export function featuresOf(d: GatewayDeps): GatewayFeatures {
  return {
    publish: d.topics.userEvents !== undefined,
    guardian: d.topics.guardianRequests !== undefined,
    similar: d.pipeline.resources[d.resourceIds.embedder] !== undefined && d.pipeline.resources[d.resourceIds.vectors] !== undefined,
    devTokens: d.auth.options.devTokens === true,
  };
}

export function gatewayOperations(f: GatewayFeatures = ALL_FEATURES): Operation[] {
  return [
    ...(f.publish ? publishOperations : []),
    ...(f.guardian ? [adviceOperation] : []),
    contextOperation,
    ...(f.similar ? [similarOperation] : []),
    streamOperation,
    ...(f.devTokens ? [devTokenOperation] : []),
    ...opsOperations,
    ...storeOperations,
    ...topologyOperations,
    ...clusterTopologyOperations,
    ...contractOperations,
  ] as Operation[];
}
