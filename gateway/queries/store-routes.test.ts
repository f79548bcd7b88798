/**
 * The operator store API on two real instances sharing one log (the group
 * splits the partitions between them): operator tokens only; a key, a scan
 * paged across every partition and a count answered wherever the data lives,
 * the other instance's part through signed forwarding; hostile parameters
 * answered with 400s.
 */
import path from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { eventually, type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { createGateway, type Gateway } from '../app.js';

const CLUSTER_SECRET = 'the-cluster-secret-of-the-ops-test-0123456789';
const USERS = Array.from({ length: 12 }, (_, i) => `ops-user-${i}`);

interface Entry {
  key: string;
  partition: number;
  instance: string;
  value: { version: number };
}

describe('operator API: /api/ops/stores', () => {
  let h: Harness;
  let appB: PipelineApp;
  let gwB: Gateway;
  let operator: Record<string, string>;
  const get = (p: string, headers = operator) => fetch(`${h.url}${p}`, { headers });

  beforeAll(async () => {
    h = await startHarness({ listen: true, instanceId: 'gw-a', gateway: { registryIntervalMs: 300, clusterSecret: CLUSTER_SECRET } });
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
      registryIntervalMs: 300,
      clusterSecret: CLUSTER_SECRET,
    });
    await gwB.start(0, '127.0.0.1');
    const exp = Math.floor(Date.now() / 1000) + 600;
    operator = { authorization: `Bearer ${await sign({ sub: 'oncall-1', role: 'operator', exp }, TEST_SECRET, 'HS256')}` };
    // Both instances run tasks and advertise them.
    await eventually(
      () =>
        h.app.engine.tasks.size > 0 &&
        appB.engine.tasks.size > 0 &&
        h.gateway.deps.registry.instances().some((i) => i.instance === 'gw-b' && i.tasks.length > 0)
          ? true
          : undefined,
      20_000,
    );
    for (const [i, user] of USERS.entries()) {
      const res = await fetch(`${h.url}/api/holistic/mood-entries/`, {
        method: 'POST',
        headers: await h.auth(user),
        body: JSON.stringify({ score: 1 + (i % 10) }),
      });
      expect(res.status).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await gwB?.stop();
    await appB?.stop();
    await h?.close();
  });

  it('refuses user tokens (403) and requests without a token (401)', async () => {
    expect((await get('/api/ops/stores', await h.auth('ana'))).status).toBe(403);
    expect((await get('/api/ops/stores/user_context/ops-user-1', await h.auth('ops-user-1'))).status).toBe(403);
    expect((await get('/api/ops/stores', {})).status).toBe(401);
    const scoped = {
      authorization: `Bearer ${await sign({ sub: 'oncall-2', scope: 'read operator', exp: Math.floor(Date.now() / 1000) + 60 }, TEST_SECRET, 'HS256')}`,
    };
    expect((await get('/api/ops/stores', scoped)).status).toBe(200);
    const forged = {
      authorization: `Bearer ${await sign({ sub: 'x', role: 'operator', exp: Math.floor(Date.now() / 1000) + 60 }, 'not-the-secret-0123456789-0123456789', 'HS256')}`,
    };
    expect((await get('/api/ops/stores', forged)).status).toBe(401);
  });

  it('lists the stores with the partitions running here', async () => {
    const body = (await (await get('/api/ops/stores')).json()) as {
      instance: string;
      stores: Array<{ id: string; kind: string; partitions: number; partitions_here: number[] }>;
    };
    expect(body.instance).toBe('gw-a');
    expect(body.stores.map((s) => s.id).sort()).toEqual(Object.keys(h.pipeline.stores).sort());
    const ctx = body.stores.find((s) => s.id === 'user_context')!;
    expect(ctx.kind).toBe('key_value');
    expect(ctx.partitions_here.length).toBeGreaterThan(0);
    expect(ctx.partitions_here.length).toBeLessThan(ctx.partitions);
  });

  it('reads a key on whichever instance owns it', async () => {
    const where = new Set<string>();
    for (const user of USERS) {
      const res = await eventually(async () => {
        const r = await get(`/api/ops/stores/user_context/${user}`);
        return r.status === 200 ? r : undefined;
      });
      const body = (await res.json()) as { key: string; instance: string; partition: number; value: { version: number; events: Array<{ type: string }> } };
      expect(body.key).toBe(user);
      expect(body.value.version).toBe(1);
      expect(body.value.events.map((e) => e.type)).toEqual(['user.mood.created']);
      expect(body.partition).toBe(h.transport.partitionFor(user, 6));
      where.add(body.instance);
      if (body.instance === 'gw-b') expect(res.headers.get('x-aura-forwarded-to')).toBe('gw-b');
    }
    expect([...where].sort()).toEqual(['gw-a', 'gw-b']);
    const missing = await get('/api/ops/stores/user_context/nobody-at-all');
    expect(missing.status).toBe(404);
    expect((await get('/api/ops/stores/no_such_store/x')).status).toBe(404);
  });

  it('scans every partition in pages and counts, across both instances', async () => {
    const scanAll = async (limit: number) => {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/api/ops/stores/user_context?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { entries: Entry[]; next_cursor: string | null };
        expect(body.entries.length).toBeLessThanOrEqual(limit);
        seen.push(...body.entries);
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      return { seen, pages };
    };
    // Scans read committed state as written to SQLite (within state_flush_interval of the commit):
    // wait until every user is there, asking every 250 ms (the operator API is rate limited).
    const all = await eventually(
      async () => {
        const r = await scanAll(1000);
        return r.seen.filter((e) => USERS.includes(e.key)).length === USERS.length ? r : undefined;
      },
      10_000,
      250,
    );
    const paged = await scanAll(5);
    expect(paged.pages).toBeGreaterThan(2);
    expect(paged.seen.map((e) => e.key)).toEqual(all.seen.map((e) => e.key));
    expect(new Set(paged.seen.map((e) => e.key)).size).toBe(paged.seen.length);
    expect(new Set(paged.seen.map((e) => e.instance))).toEqual(new Set(['gw-a', 'gw-b']));
    // Partition then key order.
    const order = paged.seen.map((e) => [e.partition, e.key] as const);
    expect([...order].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1))).toEqual(order);

    const prefixed = (await (await get('/api/ops/stores/user_context?prefix=ops-user-1')).json()) as { entries: Entry[] };
    expect(prefixed.entries.map((e) => e.key).sort()).toEqual(['ops-user-1', 'ops-user-10', 'ops-user-11']);

    const counted = (await (await get('/api/ops/stores/user_context?count=true')).json()) as {
      count: number;
      partitions: Array<{ partition: number; count: number; instance: string }>;
    };
    expect(counted.count).toBe(all.seen.length);
    expect(counted.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(counted.partitions.map((p) => p.instance))).toEqual(new Set(['gw-a', 'gw-b']));
    const one = (await (await get('/api/ops/stores/user_context?count=true&prefix=ops-user-1')).json()) as { count: number };
    expect(one.count).toBe(3);
  }, 30_000);

  it('answers 400 to parameters it does not accept', async () => {
    const bad = [
      '?limit=0',
      '?limit=100000',
      '?limit=-1',
      '?partition=99',
      '?partition=x',
      '?cursor=%%%',
      `?cursor=${Buffer.from('[42]').toString('base64url')}`,
      `?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
      '?after=x',
      '?count=maybe',
      '?evil=1',
      `?prefix=${'x'.repeat(2000)}`,
    ];
    for (const q of bad) {
      const res = await get(`/api/ops/stores/user_context${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await get(`/api/ops/stores/user_context/${'k'.repeat(1200)}`)).status).toBe(400);
  });

  it('never forwards a peer token for another path: a replayed one is refused', async () => {
    // A forwarded request seen by the owner carries a token bound to its exact path and query.
    const token = await h.gateway.deps.cluster.peerToken('gw-b', 'oncall-1', 'GET', '/api/ops/stores/user_context?count=true&partition=0');
    const replay = await fetch(`${gwUrl(gwB)}/api/ops/stores/user_context?count=true&partition=1`, {
      headers: { 'x-aura-peer-token': token, 'x-aura-forwarded-by': 'gw-a' },
    });
    expect(replay.status).toBe(401);
  });

  const gwUrl = (g: Gateway) => g.deps.registry.instances().find((i) => i.instance === 'gw-b')!.url!;
});
