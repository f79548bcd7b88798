/**
 * The WebSocket server over real sockets: malformed request-targets and
 * handshakes answered with a 4xx (the `//[` upgrade that used to end the
 * process among them), nothing left behind by a refused handshake, the global
 * and per-user caps with their close codes, the inbound message limit, the
 * heartbeat that drops a peer that stopped answering, and backpressure: a
 * client that does not read costs at most its buffer and then gets every
 * message, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, type Harness, startHarness } from '../../testing/support/gateway-harness.js';
import { handshake, rawRequest } from '../../testing/support/raw-http.js';
import { TestSocket, wsUrl } from '../../testing/support/ws-client.js';

describe('the WebSocket server', () => {
  let h: Harness;
  let port: number;
  const BUFFER = 64 * 1024;
  const open = async (user: string, query = '') => TestSocket.connect(wsUrl(h.url, `/ws${query}`), ['aura.v1', `bearer.${await h.token(user)}`]);

  beforeAll(async () => {
    h = await startHarness({
      listen: true,
      gateway: {
        limits: {
          wsMaxConnections: 4,
          wsMaxPerUser: 2,
          wsMaxMessageBytes: 1024,
          socketMaxBufferedBytes: BUFFER,
          streamBufferPerUser: 50_000,
          anonRateBurst: 10_000,
          anonRatePerSecond: 10_000,
        },
      },
    });
    port = Number(new URL(h.url).port);
  });
  afterAll(async () => h?.close());

  it('answers malformed request-targets and handshakes with a 4xx and keeps serving', async () => {
    const token = await h.token('ana');
    const cases: Array<[string, number]> = [
      [handshake('//['), 400], // the request-target that ended the process through @hono/node-ws
      [handshake('/%zz'), 400],
      [handshake('/ws/{x}'), 400],
      [handshake('*'), 400],
      [handshake('http://evil.example/ws'), 400],
      [handshake('/ws'), 401],
      [handshake(`/ws?token=${token}&since=-1`), 400],
      [handshake('/topology/live', [], { key: null }), 400],
      [handshake('/topology/live', [], { key: 'short' }), 400],
      [handshake('/topology/live', [], { version: '8' }), 426],
      [handshake('/topology/live').replace('GET', 'POST'), 405],
      [handshake('/topology/live').replace('HTTP/1.1', 'HTTP/1.0'), 400],
      [handshake('/topology/live', ['Sec-WebSocket-Protocol: a,,b']), 400],
      [handshake('/nowhere'), 404],
      [handshake('/healthz', [], { upgrade: 'h2c' }), 200], // another protocol: answered as a plain request
      [handshake('/api/holistic/mood-entries/', [], { upgrade: 'h2c' }).replace('GET', 'POST'), 400],
    ];
    for (const [request, status] of cases) {
      const res = await rawRequest(port, request);
      expect(res.status, request.split('\r\n')[0]).toBe(status);
      if (status >= 400) expect(JSON.parse(res.body).error.code).toEqual(expect.any(String));
    }
    expect(h.gateway.sockets.stats()).toMatchObject({ open: 0, pending: 0 });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('answers 426 to a plain request on a WebSocket route, never a 200', async () => {
    // `Upgrade` without `Connection: Upgrade`: Node's parser does not see an upgrade, the request handler runs.
    const res = await rawRequest(port, handshake('/topology/live', [], { connection: null }));
    expect(res.status).toBe(426);
    const ws = await fetch(`${h.url}/ws`, { headers: { authorization: `Bearer ${await h.token('ana')}` } });
    expect(ws.status).toBe(426);
    expect(h.gateway.sockets.stats()).toMatchObject({ open: 0, pending: 0 });
  });

  it('never echoes a bearer token as the chosen subprotocol', async () => {
    const token = await h.token('ana');
    const res = await rawRequest(port, handshake('/ws', [`Sec-WebSocket-Protocol: bearer.${token}`]));
    expect(res.status).toBe(101);
    expect(res.headers['sec-websocket-protocol']).toBeUndefined();
    await eventually(() => (h.gateway.sockets.size === 0 ? true : undefined));
  });

  it('caps sockets per user (1008) and per instance (1013)', async () => {
    const a1 = await open('ana');
    const a2 = await open('ana');
    const a3 = await open('ana');
    expect(await a3.waitClosed()).toMatchObject({ code: 1008, reason: expect.stringMatching(/too many connections for this user/) });
    const b = await open('bob');
    const c = await open('cid');
    const d = await open('dee');
    expect((await d.waitClosed()).code).toBe(1013);
    expect(h.gateway.sockets.stats().open).toBe(4);
    a1.close();
    await a1.waitClosed();
    await eventually(() => (h.gateway.sockets.size === 3 ? true : undefined));
    const again = await open('dee');
    await again.waitFor((m) => m.type === 'hello');
    for (const s of [a2, b, c, again]) s.close();
    await eventually(() => (h.gateway.sockets.size === 0 ? true : undefined));
  });

  it('caps /topology/live sockets per client address', async () => {
    const live = () => TestSocket.connect(wsUrl(h.url, '/topology/live'));
    const [x, y, z] = [await live(), await live(), await live()];
    expect((await z.waitClosed()).code).toBe(1008);
    x.close();
    y.close();
    await eventually(() => (h.gateway.sockets.size === 0 ? true : undefined));
  });

  it('closes with 1009 a socket that sends a message larger than the limit', async () => {
    const s = await open('eve');
    await s.waitFor((m) => m.type === 'hello');
    s.ws.send('x'.repeat(2048));
    expect((await s.waitClosed()).code).toBe(1009);
  });

  it('buffers at most its limit for a client that does not read, then delivers everything in order', async () => {
    const token = await h.token('hal');
    const ws = new WebSocket(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${token}`]);
    const seqs: number[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { seq?: number };
      if (m.seq !== undefined) seqs.push(m.seq);
    });
    await new Promise((r) => ws.once('open', r));
    await eventually(() => (h.gateway.deps.outbox.clients() === 1 ? true : undefined));
    ws.pause(); // stops reading: the kernel buffers fill, then the server's
    const N = 20_000;
    const pad = 'y'.repeat(1_000); // 20 MB in all, more than loopback's socket buffers hold
    let maxBuffered = 0;
    for (let i = 0; i < N; i += 500) {
      h.gateway.deps.outbox.batch(() => {
        for (let j = i; j < i + 500; j++) h.gateway.deps.outbox.append('hal', { type: 'test', j, pad });
      });
      maxBuffered = Math.max(maxBuffered, h.gateway.sockets.stats().maxBufferedBytes);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    maxBuffered = Math.max(maxBuffered, h.gateway.sockets.stats().maxBufferedBytes);
    expect(h.gateway.deps.outbox.paused()).toBe(1);
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThan(BUFFER + 2_000); // the limit plus at most one message
    ws.resume();
    await eventually(() => (seqs.length >= N ? true : undefined), 30_000);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    ws.close();
  }, 60_000);
});

describe('the WebSocket heartbeat', () => {
  let h: Harness;
  const open = async (user: string) => TestSocket.connect(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${await h.token(user)}`]);

  beforeAll(async () => {
    h = await startHarness({ listen: true, engine: false, gateway: { limits: { wsHeartbeatMs: 250 } } });
  });
  afterAll(async () => h?.close());

  it('drops a peer that stops answering pings, keeps one that answers', async () => {
    const token = await h.token('fay');
    const mute = new WebSocket(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${token}`], { autoPong: false });
    const events: string[] = [];
    const closed = new Promise<number>((resolve) => {
      mute.on('open', () => events.push('open'));
      mute.on('ping', () => events.push('ping'));
      mute.on('error', (e: Error) => events.push(`error ${e.message}`));
      mute.on('close', (code: number) => resolve(code));
    });
    const started = Date.now();
    expect(await closed).toBe(1006); // terminated: no close frame for a peer that is gone
    expect(events.slice(0, 2)).toEqual(['open', 'ping']);
    expect(Date.now() - started).toBeLessThan(2_000);
    const alive = await open('gus');
    await new Promise((r) => setTimeout(r, 800)); // several heartbeats
    expect(alive.closed).toBeUndefined();
    alive.send({ type: 'ping' });
    await alive.waitFor((m) => m.type === 'pong');
    alive.close();
    await eventually(() => (h.gateway.sockets.size === 0 ? true : undefined));
  });
});
