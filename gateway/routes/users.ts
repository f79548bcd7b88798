/**
 * Interactive queries, in the spirit of Kafka Streams': read the aggregate's
 * state where it lives.
 *   GET /api/users/:id/context  the user's context window from the `user_context`
 *       store (and the latest summary from the `latest_context` table when it is
 *       here too). When another instance owns the partition the query is
 *       forwarded to the URL of its signed registry record, with a peer token
 *       (auth/cluster.ts); while nobody does (a rebalance, a restore), or
 *       without AURA_CLUSTER_SECRET, the answer is 503 with Retry-After.
 *   GET /api/users/:id/similar?text=...&k=5  nearest past contexts of the user
 *       from the vector sink.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type Context, Hono } from 'hono';
import type { Embedder, VectorSink } from '../../providers/types.js';
import { requireSelf } from '../auth/auth.js';
import { PEER_TOKEN_HEADER } from '../auth/cluster.js';
import type { GatewayDeps } from '../deps.js';
import { FORWARDED_HEADER } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { AUTHENTICATED_ERRORS, errorResponse } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import { eventSchemaRef } from '../openapi/validate.js';
import { lookupKey } from '../queries/owner-lookup.js';
import type { GatewayEnv } from '../types.js';

const userParam = { id: { description: "The user's id: the token's own (another user's is 403).", schema: { type: 'string', minLength: 1 } } };
const FORWARDED_TO = {
  'x-aura-forwarded-to': { description: 'The instance that answered, when it was not this one (forwarded query).', schema: { type: 'string' } },
};

export const UserContextSchema = named(
  'UserContext',
  Type.Object(
    {
      user_id: Type.String(),
      store: Type.String({ description: 'The store read (`user_context`).' }),
      task: Type.String({ description: "The task that owns the user's partition (`<subtopology>_<partition>`)." }),
      instance: Type.String({ description: 'The instance whose store answered.' }),
      window: Type.Object(
        {
          version: Type.Integer({ minimum: 0, description: 'Events folded so far.' }),
          events: Type.Array(
            Type.Object({ id: Type.String(), type: Type.String(), time: Type.Integer({ minimum: 0 }), data: Type.Unknown() }, { additionalProperties: true }),
            { description: 'The events in the window, oldest first.' },
          ),
          ikigai: Type.Object({}, { additionalProperties: true, description: 'The latest ikigai dimensions.' }),
        },
        { additionalProperties: true, description: "The aggregate's stored window for the user (its state, as the `context_window` preset keeps it)." },
      ),
      summary: Type.Union([eventSchemaRef('aggregated-context'), Type.Null()], {
        description: 'The latest summary (`latest_context` table: the last aggregated context), when it is on the same instance.',
      }),
    },
    { additionalProperties: false },
  ),
);

export const SimilarContextsSchema = named(
  'SimilarContexts',
  Type.Object(
    {
      user_id: Type.String(),
      model: Type.String({ description: 'The embedder that embedded the text.' }),
      hits: Type.Array(
        Type.Object(
          {
            id: Type.String(),
            score: Type.Number({ description: 'Similarity, higher is closer (rounded to 4 decimals); hits come best first.' }),
            window_end: Type.Integer({ minimum: 0 }),
            summary_text: Type.String(),
            payload: Type.Object({ user_id: Type.String() }, { additionalProperties: true, description: "The point's payload in the vector sink." }),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

const queryErrors = { ...AUTHENTICATED_ERRORS, 403: errorResponse(403) };

export const contextOperation = defineOperation({
  method: 'get',
  path: '/api/users/{id}/context',
  operationId: 'get-user-context',
  tags: ['queries'],
  summary: "The user's context window",
  description:
    "Interactive query of the aggregate's `user_context` store. When another instance owns the user's partition the query is forwarded there (needs AURA_CLUSTER_SECRET); while nobody owns it (rebalance, restore) the answer is 503 with Retry-After.",
  security: ['bearer', 'peer'],
  params: userParam,
  responses: {
    200: { description: 'The context window.', schema: UserContextSchema, headers: FORWARDED_TO },
    ...queryErrors,
    404: errorResponse(404, 'No context for this user yet.'),
    503: errorResponse(503, 'No live instance owns the partition right now (NOT_OWNER, UNAVAILABLE): retry after `Retry-After`.'),
  },
});

export const similarOperation = defineOperation({
  method: 'get',
  path: '/api/users/{id}/similar',
  operationId: 'find-similar-contexts',
  tags: ['queries'],
  summary: 'Past contexts of the user similar to a text',
  description:
    "Embeds `text` with the pipeline's embedder and searches the vector sink for the user's points. Without an embedder and a vector sink in the pipeline there is no such route (404).",
  security: ['bearer'],
  params: userParam,
  query: Type.Object({
    text: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', 'x-message': 'is required: a non-blank text of at most 2000 characters' }),
    k: Type.Integer({ minimum: 1, maximum: 50, default: 5, 'x-message': 'must be an integer from 1 to 50', description: 'How many hits.' }),
  }),
  responses: {
    200: { description: 'The nearest past contexts, best first.', schema: SimilarContextsSchema },
    ...queryErrors,
    404: errorResponse(404, 'The pipeline has no embedder or vector sink.'),
    502: errorResponse(502, 'The embedder failed.'),
    503: errorResponse(503, 'The embedding model is not available.'),
    504: errorResponse(504, 'The embedder did not answer in time.'),
  },
});

export function userRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use('/:id/*', requireSelf('id'));

  app.get('/:id/context', async (c) => {
    const user = c.req.param('id');
    const found = lookupKey<unknown>(d, d.stores.context, user);
    if (found.where === 'local') {
      if (found.value === undefined) throw new HttpError(404, HttpCodes.NOT_FOUND, `no context for user ${JSON.stringify(user)} yet`);
      const latest = d.stores.latest ? lookupKey<unknown>(d, d.stores.latest, user) : undefined;
      const body: Static<typeof UserContextSchema> = {
        user_id: user,
        store: d.stores.context,
        task: found.taskId,
        instance: d.instanceId,
        window: found.value as Static<typeof UserContextSchema>['window'],
        summary: (latest?.where === 'local' ? (latest.value ?? null) : null) as Static<typeof UserContextSchema>['summary'],
      };
      return c.json(body);
    }
    if (c.req.header(FORWARDED_HEADER)) {
      // Forwarded here but not here (assignment moved meanwhile): no second hop, the caller retries.
      throw new HttpError(503, HttpCodes.NOT_OWNER, `task ${found.taskId} is not on instance ${d.instanceId}`, {}, { 'Retry-After': '1' });
    }
    if (found.where === 'remote' && found.owner.url) {
      if (!d.cluster.enabled || !found.owner.trusted) {
        throw new HttpError(
          503,
          HttpCodes.NOT_OWNER,
          `task ${found.taskId} is on instance ${found.owner.instance}; forwarding between instances needs AURA_CLUSTER_SECRET`,
          {},
          { 'Retry-After': '1' },
        );
      }
      return forward(c, d, found.owner.instance, found.owner.url);
    }
    throw new HttpError(
      503,
      HttpCodes.UNAVAILABLE,
      `task ${found.taskId} is not running anywhere right now (rebalancing or restoring)`,
      {},
      { 'Retry-After': '1' },
    );
  });

  // Without an embedder and a vector sink in the pipeline there is nothing to search: no route (404).
  if (!d.pipeline.resources[d.resourceIds.embedder] || !d.pipeline.resources[d.resourceIds.vectors]) return app;
  app.get('/:id/similar', async (c) => {
    const user = c.req.param('id');
    const { text, k } = similarOperation.parseQuery(c.req.query());
    const embedder = d.app.resources.get<Embedder>(d.resourceIds.embedder);
    const vectors = d.app.resources.get<VectorSink>(d.resourceIds.vectors);
    const [vector] = await embedder.embed([text]);
    const hits = await vectors.search({ vector: vector!, userId: user, topK: k });
    const body: Static<typeof SimilarContextsSchema> = {
      user_id: user,
      model: embedder.model,
      hits: hits.map((h) => ({
        id: h.id,
        score: Math.round(h.score * 1e4) / 1e4,
        window_end: h.payload.window_end,
        summary_text: h.payload.summary_text,
        payload: h.payload,
      })),
    };
    return c.json(body);
  });
  return app;
}

/**
 * Asks the owner. Its URL comes from a signed registry record; the request carries a peer token
 * for this user, path and instance — never the user's bearer token — and redirects are not followed.
 * What the owner answers is passed on when it is an answer (2xx, 4xx); anything else is a 503.
 */
async function forward(c: Context<GatewayEnv>, d: GatewayDeps, instance: string, origin: string): Promise<Response> {
  const path = c.req.path;
  const token = await d.cluster.peerToken(instance, c.get('user'), 'GET', path);
  let res: Response;
  try {
    res = await fetch(origin + path, {
      headers: { [PEER_TOKEN_HEADER]: token, [FORWARDED_HEADER]: d.instanceId, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    d.logger.warn({ instance, err: (err as Error).message }, 'forwarded query failed');
    throw new HttpError(503, HttpCodes.UNAVAILABLE, `the owner (instance ${instance}) did not answer`, {}, { 'Retry-After': '1' });
  }
  if (!((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500))) {
    await res.body?.cancel();
    throw new HttpError(503, HttpCodes.UNAVAILABLE, `the owner (instance ${instance}) answered ${res.status}`, {}, { 'Retry-After': '1' });
  }
  return new Response(res.body, {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? 'application/json', 'x-aura-forwarded-to': instance },
  });
}
