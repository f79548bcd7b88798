/**
 * The gateway's safe defaults over real HTTP: tokens without `exp` or living
 * too long refused, no token material in any 401, development tokens refused
 * and their endpoint absent when a real key is configured, 415 for bodies
 * that are not JSON, and the per-address limit on unauthenticated routes,
 * WebSocket handshakes and failed authentications (client addresses told
 * apart by X-Forwarded-For behind one trusted proxy).
 */
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, TEST_SECRET } from '../testing/support/gateway-harness.js';
import { handshake, rawRequest } from '../testing/support/raw-http.js';

const now = () => Math.floor(Date.now() / 1000);

describe('gateway security defaults', () => {
  let h: Harness;
  let port: number;
  const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });

  beforeAll(async () => {
    h = await startHarness({
      listen: true,
      engine: false,
      gateway: { auth: { alg: 'HS256', secret: TEST_SECRET }, trustProxy: 1, limits: { anonRatePerSecond: 1, anonRateBurst: 5 } },
    });
    port = Number(new URL(h.url).port);
  });
  afterAll(async () => h?.close());

  it('refuses tokens without exp or with a lifetime above the cap, and never quotes them', async () => {
    const marker = 'marker-in-the-token';
    const tokens = [
      await sign({ sub: marker }, TEST_SECRET, 'HS256'),
      await sign({ sub: marker, exp: Math.floor(Date.UTC(3000, 0, 1) / 1000) }, TEST_SECRET, 'HS256'),
      await sign({ sub: marker, exp: now() - 5 }, TEST_SECRET, 'HS256'),
      await sign({ sub: marker, exp: now() + 60 }, 'a-different-secret-of-enough-length!!', 'HS256'),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(`{"sub":"${marker}","exp":${now() + 60}}`).toString('base64url')}.`,
    ];
    for (const [i, t] of tokens.entries()) {
      const res = await fetch(`${h.url}/api/users/${marker}/context`, { headers: from(`10.0.1.${i}`, { authorization: `Bearer ${t}` }) });
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(body).not.toContain(marker);
      expect(body).not.toContain(t.split('.')[1]!.slice(0, 16));
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
  });

  it('has no development endpoint with a real key, and refuses development tokens signed with it', async () => {
    const res = await fetch(`${h.url}/api/dev/token`, {
      method: 'POST',
      headers: from('10.0.2.1', { 'content-type': 'application/json' }),
      body: '{"user_id":"me"}',
    });
    expect(res.status).toBe(404);
    const devToken = await sign({ sub: 'me', iat: now(), exp: now() + 3600, dev: true }, TEST_SECRET, 'HS256');
    const ctx = await fetch(`${h.url}/api/users/me/context`, { headers: from('10.0.2.2', { authorization: `Bearer ${devToken}` }) });
    expect(ctx.status).toBe(401);
  });

  it('answers 400 to a request-target whose path is outside RFC 3986, with or without an upgrade', async () => {
    for (const target of ['//[', '/%zz', '/api/users/%E0%A4%A/context', '/topology/{x}']) {
      const plain = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.5.1\r\nConnection: close\r\n\r\n`);
      expect(plain.status, target).toBe(400);
      expect(JSON.parse(plain.body).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await rawRequest(port, 'GET /api/users/ana%20b/context?q={x} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(401);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const headers = await h.auth('ana');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']) {
      const res = await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers: { ...headers, 'content-type': type }, body: '{"score":5}' });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const ok = await fetch(`${h.url}/api/holistic/mood-entries/`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: '{"score":5}',
    });
    expect(ok.status).toBe(201);
  });

  it('limits unauthenticated requests per client address, not for everyone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${h.url}/topology/stats`, { headers: from('10.0.3.1') })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await fetch(`${h.url}/metrics`, { headers: from('10.0.3.1') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another address, and the probes, are unaffected.
    expect((await fetch(`${h.url}/topology/stats`, { headers: from('10.0.3.2') })).status).toBe(200);
    expect((await fetch(`${h.url}/healthz`, { headers: from('10.0.3.1') })).status).toBe(200);
    // A forged X-Forwarded-For entry to the left of the proxy's does not buy a new bucket.
    expect((await fetch(`${h.url}/topology/stats`, { headers: from('1.2.3.4, 10.0.3.1') })).status).toBe(429);
  });

  it('charges WebSocket handshakes and failed authentications to the address; valid tokens are not affected', async () => {
    const shakes: number[] = [];
    for (let i = 0; i < 7; i++) shakes.push((await rawRequest(port, handshake('/ws', ['X-Forwarded-For: 10.0.4.1']))).status);
    expect(shakes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const bad: number[] = [];
    for (let i = 0; i < 7; i++) bad.push((await fetch(`${h.url}/api/users/x/context`, { headers: from('10.0.4.2', { authorization: 'Bearer nope' }) })).status);
    expect(bad).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const good = await fetch(`${h.url}/api/users/bob/context`, { headers: from('10.0.4.2', await h.auth('bob')) });
    expect(good.status).not.toBe(429);
  });
});
