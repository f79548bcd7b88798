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
import { Hono, type Context } from 'hono';
import type { Embedder, VectorSink } from '../../providers/types.js';
import { requireSelf } from '../auth/auth.js';
import type { GatewayDeps } from '../deps.js';
import { PEER_TOKEN_HEADER } from '../auth/cluster.js';
import { FORWARDED_HEADER } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { lookupKey } from '../queries/owner-lookup.js';
import type { GatewayEnv } from '../types.js';

export function userRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use('/:id/*', requireSelf('id'));

  app.get('/:id/context', async (c) => {
    const user = c.req.param('id');
    const found = lookupKey<unknown>(d, d.stores.context, user);
    if (found.where === 'local') {
      if (found.value === undefined) throw new HttpError(404, HttpCodes.NOT_FOUND, `no context for user ${JSON.stringify(user)} yet`);
      const latest = d.stores.latest ? lookupKey<unknown>(d, d.stores.latest, user) : undefined;
      return c.json({
        user_id: user,
        store: d.stores.context,
        task: found.taskId,
        instance: d.instanceId,
        window: found.value,
        summary: latest?.where === 'local' ? (latest.value ?? null) : null,
      });
    }
    if (c.req.header(FORWARDED_HEADER)) {
      // Forwarded here but not here (assignment moved meanwhile): no second hop, the caller retries.
      throw new HttpError(503, HttpCodes.NOT_OWNER, `task ${found.taskId} is not on instance ${d.instanceId}`, {}, { 'Retry-After': '1' });
    }
    if (found.where === 'remote' && found.owner.url) {
      if (!d.cluster.enabled || !found.owner.trusted) {
        throw new HttpError(503, HttpCodes.NOT_OWNER, `task ${found.taskId} is on instance ${found.owner.instance}; forwarding between instances needs AURA_CLUSTER_SECRET`, {}, { 'Retry-After': '1' });
      }
      return forward(c, d, found.owner.instance, found.owner.url);
    }
    throw new HttpError(503, HttpCodes.UNAVAILABLE, `task ${found.taskId} is not running anywhere right now (rebalancing or restoring)`, {}, { 'Retry-After': '1' });
  });

  // Without an embedder and a vector sink in the pipeline there is nothing to search: no route (404).
  if (!d.pipeline.resources[d.resourceIds.embedder] || !d.pipeline.resources[d.resourceIds.vectors]) return app;
  app.get('/:id/similar', async (c) => {
    const user = c.req.param('id');
    const text = c.req.query('text');
    const k = Number(c.req.query('k') ?? 5);
    const errors = [];
    if (!text || text.trim() === '') errors.push({ path: '/query/text', message: 'is required' });
    else if (text.length > 2000) errors.push({ path: '/query/text', message: 'must be at most 2000 characters' });
    if (!Number.isInteger(k) || k < 1 || k > 50) errors.push({ path: '/query/k', message: 'must be an integer from 1 to 50' });
    if (errors.length > 0) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'invalid query', { errors });
    const embedder = d.app.resources.get<Embedder>(d.resourceIds.embedder);
    const vectors = d.app.resources.get<VectorSink>(d.resourceIds.vectors);
    const [vector] = await embedder.embed([text!]);
    const hits = await vectors.search({ vector: vector!, userId: user, topK: k });
    return c.json({
      user_id: user,
      model: embedder.model,
      hits: hits.map((h) => ({ id: h.id, score: Math.round(h.score * 1e4) / 1e4, window_end: h.payload.window_end, summary_text: h.payload.summary_text, payload: h.payload })),
    });
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
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json', 'x-aura-forwarded-to': instance } });
}
