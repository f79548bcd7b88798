/**
 * Interactive queries: the context window read from the aggregate's store,
 * 404/403, similar past contexts from the vector sink, and a query forwarded
 * to the instance that owns the user's partition (both with the cluster
 * secret; registry records that try to redirect it: queries/registry.test.ts).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import { storeQuery } from '../../runtime/store-query.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { eventually, type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { createGateway, type Gateway } from '../app.js';

describe('GET /api/users/:id/*', () => {
  let h: Harness;
  const get = async (path: string, user: string) => h.gateway.app.request(path, { headers: await h.auth(user) });
  const publish = async (user: string, url: string, body: unknown, kind = 'mood-entries') => {
    const res = await h.gateway.app.request(`${url}/api/holistic/${kind}/`, { method: 'POST', headers: await h.auth(user), body: JSON.stringify(body) });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    h = await startHarness();
    await publish('ana', '', { score: 8, note: 'long walk by the river, felt calm' });
    await publish('ana', '', { kind: 'exercise', minutes: 45 }, 'activities');
  });
  afterAll(async () => h?.close());

  it("returns the user's context window from the aggregate store", async () => {
    const res = await eventually(async () => {
      const r = await get('/api/users/ana/context', 'ana');
      const body = r.status === 200 ? ((await r.json()) as { window: { version: number } }) : undefined;
      return body && body.window.version === 2 ? body : undefined;
    });
    const body = res as unknown as {
      user_id: string;
      instance: string;
      task: string;
      window: { events: Array<{ type: string }> };
      summary: { counts: { total: number } } | null;
    };
    expect(body.user_id).toBe('ana');
    expect(body.instance).toBe('gw-test');
    expect(body.window.events.map((e) => e.type)).toEqual(['user.mood.created', 'user.activity.created']);
    const expectedTask = h.pipeline.subtopologies.find((s) => s.stores.includes('user_context'))!;
    expect(body.task).toBe(`${expectedTask.id}_${h.transport.partitionFor('ana', expectedTask.partitions)}`);
  });

  it('answers 404 for a user without data and 403 for somebody else', async () => {
    expect((await get('/api/users/nobody/context', 'nobody')).status).toBe(404);
    const forbidden = await get('/api/users/ana/context', 'mallory');
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await get('/api/users/ana/similar?text=calm', 'mallory')).status).toBe(403);
  });

  it('finds similar past contexts of the user in the vector sink', async () => {
    const body = await eventually(async () => {
      const r = await get('/api/users/ana/similar?text=calm%20walk%20by%20the%20river&k=3', 'ana');
      const b = (await r.json()) as { hits: Array<{ score: number; summary_text: string; payload: { user_id: string } }> };
      return b.hits?.length >= 2 ? b : undefined;
    });
    expect(body.hits.every((x) => x.payload.user_id === 'ana')).toBe(true);
    expect(body.hits[0]!.score).toBeGreaterThanOrEqual(body.hits[1]!.score);
    expect((await get('/api/users/ana/similar', 'ana')).status).toBe(400);
    expect((await get('/api/users/ana/similar?text=x&k=500', 'ana')).status).toBe(400);
  });
});

const CLUSTER_SECRET = 'the-cluster-secret-of-this-test-0123456789';

describe('an interactive query for a partition another instance owns', () => {
  let h: Harness;
  let appB: PipelineApp;
  let gwB: Gateway;

  beforeAll(async () => {
    h = await startHarness({ listen: true, instanceId: 'gw-a', gateway: { registryIntervalMs: 500, clusterSecret: CLUSTER_SECRET } });
    const logger = createLogger('b', 'silent');
    appB = createPipelineApp({
      pipeline: h.pipeline,
      transport: h.transport,
      logger,
      stateDir: path.join(h.dir, 'state-b'),
      instanceId: 'gw-b',
      pollTimeoutMs: 20,
      resources: { overrides: { embedder: createHashingEmbedder() } },
    });
    await appB.start();
    gwB = createGateway({
      pipeline: h.pipeline,
      transport: h.transport,
      app: appB,
      logger,
      instanceId: 'gw-b',
      stateDir: path.join(h.dir, 'gw-b'),
      auth: { alg: 'HS256', secret: TEST_SECRET },
      registryIntervalMs: 500,
      clusterSecret: CLUSTER_SECRET,
    });
    await gwB.start(0, '127.0.0.1');
  });
  afterAll(async () => {
    await gwB?.stop();
    await appB?.stop();
    await h?.close();
  });

  it('is forwarded to the owner (advertised in the registry) and answered from its store', async () => {
    const st = h.pipeline.subtopologies.find((s) => s.stores.includes('user_context'))!;
    // Both engines share the group: wait until the partitions are split and both instances advertised theirs.
    const user = await eventually(() => {
      if (appB.engine.tasks.size === 0 || h.app.engine.tasks.size === 0) return undefined;
      for (let i = 0; i < 200; i++) {
        const u = `user-${i}`;
        const taskId = `${st.id}_${h.transport.partitionFor(u, st.partitions)}`;
        if (appB.engine.tasks.has(taskId) && h.gateway.deps.registry.ownerOf(taskId)?.instance === 'gw-b') return u;
      }
      return undefined;
    }, 15_000);
    const headers = await h.auth(user);
    expect((await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers, body: JSON.stringify({ score: 6 }) })).status).toBe(201);
    const res = await eventually(async () => {
      const r = await fetch(`${h.url}/api/users/${user}/context`, { headers });
      return r.status === 200 ? r : undefined;
    });
    expect(res.headers.get('x-aura-forwarded-to')).toBe('gw-b');
    const body = (await res.json()) as { instance: string; window: { version: number } };
    expect(body.instance).toBe('gw-b');
    expect(body.window.version).toBe(1);
    expect(storeQuery(h.app).get('user_context', user).entries).toBeUndefined(); // not here: forwarded
  });
});
