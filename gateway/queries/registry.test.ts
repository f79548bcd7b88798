/**
 * Registry records that try to redirect forwarded queries, written to the
 * real registry topic: unsigned or wrongly signed records pointing at a
 * listening "attacker" are ignored (it receives nothing), malformed ones are
 * ignored without a 500, and even a correctly signed peer never receives the
 * user's bearer token — only a peer token good for that one request. Without
 * a cluster secret nothing is forwarded at all.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from '../../testing/support/gateway-harness.js';
import { ClusterAuth } from '../auth/cluster.js';

const CLUSTER_SECRET = 'registry-test-cluster-secret-0123456789';

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** An HTTP server that records every request and answers what `reply` says. */
async function captureServer(reply: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Captured[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    reply(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { seen, url, close: () => new Promise((r) => server.close(r)) };
}

/** What the peer answers: shaped like a real context answer (the gateway passes a peer's answer on as it is). */
const FORGED = JSON.stringify({
  user_id: 'ana',
  store: 'user_context',
  task: '0_0',
  instance: 'forged',
  window: { version: 1, events: [], ikigai: {} },
  summary: null,
});

describe.each([
  ['with a cluster secret', CLUSTER_SECRET],
  ['without a cluster secret', undefined],
])('registry records %s', (_name, clusterSecret) => {
  let h: Harness;
  let attacker: Awaited<ReturnType<typeof captureServer>>;
  let tasks: string[];
  const context = async (user: string, headers?: Record<string, string>) =>
    h.gateway.app.request(`/api/users/${user}/context`, { headers: headers ?? (await h.auth(user)) });
  const write = (key: string, value: unknown) =>
    h.gateway.deps.publisher.send({
      topic: h.gateway.deps.registry.topic,
      partition: 0,
      key,
      value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    });
  const others = () => h.gateway.deps.registry.instances().filter((i) => i.instance !== 'gw-self');
  /** Writes and waits until the registry read it (accepted or refused). */
  const writeAndWait = async (key: string, value: unknown) => {
    const before = h.gateway.deps.registry.refused;
    await write(key, value);
    await eventually(() =>
      h.gateway.deps.registry.refused > before || h.gateway.deps.registry.instances().some((i) => i.instance === key) ? true : undefined,
    );
  };

  beforeAll(async () => {
    // No engine: this instance owns no task, so every context query is for "another instance".
    h = await startHarness({ engine: false, instanceId: 'gw-self', gateway: { clusterSecret } });
    attacker = await captureServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(FORGED));
    const st = h.pipeline.subtopologies.find((s) => s.stores.includes('user_context'))!;
    tasks = Array.from({ length: st.partitions }, (_, p) => `${st.id}_${p}`);
  });
  afterEach(async () => {
    for (const i of others()) await write(i.instance, null); // tombstones
    await eventually(() => (others().length === 0 ? true : undefined));
  });
  afterAll(async () => {
    await attacker?.close();
    await h?.close();
  });

  it('ignores an unsigned or wrongly signed record pointing at another address: nothing reaches it', async () => {
    const fields = { instance: 'evil', url: attacker.url, tasks, at: Date.now() };
    await writeAndWait('evil', fields);
    const wrongKey = new ClusterAuth('not-the-cluster-secret-at-all-0123456789', 'x');
    await writeAndWait('evil2', { ...fields, instance: 'evil2', sig: wrongKey.signRecord({ ...fields, instance: 'evil2' }) });
    for (const user of ['ana', 'bob', 'cid']) {
      const res = await context(user);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/NOT_OWNER|UNAVAILABLE/);
    }
    expect(attacker.seen).toEqual([]);
    if (clusterSecret) expect(others()).toEqual([]);
  });

  it('ignores malformed records and logs them, never answering 500', async () => {
    const now = Date.now();
    const bad: Array<[string, unknown]> = [
      ['m1', 'not json {'],
      ['m2', '[]'],
      ['m3', { instance: 'someone-else', url: attacker.url, tasks, at: now }],
      ['m4', { instance: 'm4', url: attacker.url, tasks: 'all', at: now }],
      ['m5', { instance: 'm5', url: 'javascript:alert(1)', tasks, at: now }],
      ['m6', { instance: 'm6', url: `http://user:pw@127.0.0.1:1`, tasks, at: now }],
      ['m7', { instance: 'm7', url: `${attacker.url}/steal?x=1`, tasks, at: now }],
      ['m8', { instance: 'm8', url: attacker.url, tasks, at: 'now' }],
      ['m9', { instance: 'm9', url: 42, tasks: [{}], at: now }],
    ];
    const before = h.gateway.deps.registry.refused;
    for (const [key, value] of bad) await write(key, value);
    await eventually(() => (h.gateway.deps.registry.refused >= before + bad.length ? true : undefined));
    expect(others()).toEqual([]);
    for (const user of ['ana', 'bob', 'cid', 'dee']) expect((await context(user)).status).toBe(503);
    expect(attacker.seen).toEqual([]);
  });

  it("never sends the user's bearer token, even to a correctly signed peer", async () => {
    const peer = new ClusterAuth(CLUSTER_SECRET, 'gw-peer'); // a genuine instance: it holds the secret
    const fields = { instance: 'gw-peer', url: attacker.url, tasks, at: Date.now() };
    await writeAndWait('gw-peer', { ...fields, sig: peer.signRecord(fields) });
    const headers = await h.auth('ana');
    const res = await context('ana', headers);
    if (!clusterSecret) {
      // Without the secret no record is trusted: no forwarding, and the answer says why.
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/AURA_CLUSTER_SECRET/);
      expect(attacker.seen).toEqual([]);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aura-forwarded-to')).toBe('gw-peer');
    const [req] = attacker.seen;
    expect(req!.url).toBe('/api/users/ana/context');
    expect(req!.headers.authorization).toBeUndefined();
    const bearerSignature = headers.authorization!.split('.').at(-1)!;
    expect(JSON.stringify(req!.headers)).not.toContain(bearerSignature);
    const token = req!.headers['x-aura-peer-token'] as string;
    // Good for this user, this path, this instance; for nothing else.
    expect(await peer.verifyPeerToken(token, 'GET', '/api/users/ana/context')).toBe('ana');
    await expect(peer.verifyPeerToken(token, 'GET', '/api/users/bob/context')).rejects.toMatchObject({ status: 401 });
    await expect(new ClusterAuth(CLUSTER_SECRET, 'gw-other').verifyPeerToken(token, 'GET', '/api/users/ana/context')).rejects.toMatchObject({ status: 401 });
    // Replayed at the instance that made it (which is no owner of its own query): refused, not answered.
    const replay = await h.gateway.app.request('/api/users/bob/context', { headers: { 'x-aura-peer-token': token } });
    expect(replay.status).toBe(401);
  });

  it('does not follow a redirect from the owner', async () => {
    if (!clusterSecret) return;
    const redirector = await captureServer((_req, res) => res.writeHead(302, { location: attacker.url }).end());
    try {
      const peer = new ClusterAuth(CLUSTER_SECRET, 'gw-redirect');
      const fields = { instance: 'gw-redirect', url: redirector.url, tasks, at: Date.now() };
      await writeAndWait('gw-redirect', { ...fields, sig: peer.signRecord(fields) });
      const seenBefore = attacker.seen.length;
      const res = await context('cid');
      expect(res.status).toBe(503);
      expect(redirector.seen).toHaveLength(1);
      expect(attacker.seen).toHaveLength(seenBefore);
    } finally {
      await redirector.close();
    }
  });
});
