import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { HttpError, onGatewayError } from '../http-error.js';
import { limitBody } from './body-limit.js';

const MAX = 1024;
const quiet = createLogger('body-limit-test', 'silent');
/** The errors the app's onError answered (the gateway's own: an HttpError becomes its 4xx, not a log line). */
const answered: unknown[] = [];

function app(): Hono {
  const a = new Hono();
  a.onError((err, c) => {
    answered.push(err);
    return onGatewayError(quiet)(err, c);
  });
  a.use('*', limitBody({ maxSize: MAX, onError: (c) => c.json({ error: { code: 'PAYLOAD_TOO_LARGE' } }, 413) }));
  // Which way the body came: the Node stream (already in Hono's cache before the handler reads) or hono's bodyLimit.
  a.all('/echo', async (c) => {
    const cached = Object.keys(c.req.bodyCache).sort().join(',');
    const text = await c.req.text();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json({ cached, text, bytes: bytes.length, first: bytes[0] ?? null });
  });
  a.post('/json', async (c) => c.json(await c.req.json()));
  return a;
}

/** A raw HTTP/1.1 request on its own socket (chunked when `chunks` is given without a length). */
function raw(port: number, head: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/echo', headers: head, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('limitBody (through a real Node server)', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve()) as http.Server;
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('reads the body from the Node stream into the cache; text, arrayBuffer and json see it', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'héllo' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cached: 'arrayBuffer,text', text: 'héllo', bytes: 6, first: 104 });
    const json = await fetch(`http://127.0.0.1:${port}/json`, { method: 'POST', body: JSON.stringify({ a: [1, 'x'] }) });
    expect(await json.json()).toEqual({ a: [1, 'x'] });
  });

  it('decodes as the Fetch API does: the BOM dropped, invalid bytes replaced (the bytes kept as sent)', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}'), Buffer.from([0xff])]);
    const res = await raw(port, { 'content-length': String(body.length) }, [body]);
    const out = JSON.parse(res.body) as { text: string; bytes: number; first: number };
    expect(out.text).toBe(new TextDecoder().decode(body));
    expect(out.text).toBe('{"a":1}\uFFFD');
    expect(out.bytes).toBe(body.length);
    expect(out.first).toBe(0xef);
  });

  it('answers 413 for a declared length above the limit, and for a chunked body that passes it', async () => {
    const declared = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'x'.repeat(MAX + 1) });
    expect(declared.status).toBe(413);
    const chunked = await raw(port, { 'transfer-encoding': 'chunked' }, [Buffer.alloc(600, 97), Buffer.alloc(600, 98)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('takes a chunked body within the limit, and an exact-limit body', async () => {
    const chunked = await raw(port, { 'transfer-encoding': 'chunked' }, [Buffer.alloc(500, 97), Buffer.alloc(500, 98)]);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toMatchObject({ bytes: 1000, text: 'a'.repeat(500) + 'b'.repeat(500) });
    const exact = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'z'.repeat(MAX) });
    expect(exact.status).toBe(200);
    expect(((await exact.json()) as { bytes: number }).bytes).toBe(MAX);
  });

  it('a client that hangs up mid-body costs nothing: the server goes on answering', async () => {
    const before = answered.length;
    await new Promise<void>((resolve) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/echo', headers: { 'content-length': '900' }, agent: false });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(100, 97), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50),
      );
    });
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'ok' });
    expect(res.status).toBe(200);
    // The cut-off body was answered as the client's fault (to nobody), not as a server error.
    for (let i = 0; i < 50 && answered.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    const cut = answered.slice(before);
    expect(cut).toHaveLength(1);
    expect(cut[0]).toBeInstanceOf(HttpError);
    expect((cut[0] as HttpError).status).toBe(400);
  });
});

describe('limitBody without a Node request (app.request)', () => {
  it("falls back to hono's bodyLimit: same answers", async () => {
    const a = app();
    const small = await a.request('/echo', { method: 'POST', body: 'hi' });
    expect(await small.json()).toMatchObject({ text: 'hi', bytes: 2 });
    const big = await a.request('/echo', { method: 'POST', body: 'x'.repeat(MAX + 1), headers: { 'content-length': String(MAX + 1) } });
    expect(big.status).toBe(413);
  });
});
