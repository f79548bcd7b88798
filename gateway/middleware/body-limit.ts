/**
 * The request-body limit of `/api/*`, reading the body straight from Node's
 * request stream when the gateway serves through @hono/node-server.
 *
 * hono's `bodyLimit` looks at `c.req.raw.body`, which makes the adapter turn
 * its lightweight request into a full WHATWG `Request` (Headers, an
 * AbortController, a ReadableStream over the socket) — for GETs too — and the
 * body then crosses that web stream. In the load test that was ~5 % of the
 * server's event loop (docs/benchmarks.md, "The gateway's request body off the
 * WHATWG path"). Here the bytes are collected into a Buffer, the limit checked
 * on the way (a declared Content-Length above it first: then nothing is read),
 * and handed to Hono's body cache, where `c.req.text()`, `json()` and
 * `arrayBuffer()` find them. Decoded as the Fetch API does (UTF-8, a BOM
 * dropped, invalid bytes replaced). Where there is no Node request (tests
 * through `app.request()`, other runtimes) or something already reads it,
 * hono's `bodyLimit` runs instead.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpCodes, HttpError } from '../http-error.js';

export interface BodyLimitOptions {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}

const utf8 = new TextDecoder();

/** The body, or `undefined` once it passed `maxSize` (reading stops there; the adapter drains or closes the rest). */
function readBody(incoming: IncomingMessage, maxSize: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onAbort);
      incoming.off('close', onAbort);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxSize) return void chunks.push(chunk);
      cleanup();
      incoming.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = () => {
      cleanup();
      reject(new HttpError(400, HttpCodes.VALIDATION_FAILED, 'the request body ended before it was complete'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onAbort);
    incoming.on('close', onAbort);
  });
}

export function limitBody(options: BodyLimitOptions): MiddlewareHandler {
  const generic = bodyLimit(options);
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    // Not Node's stream, or one that is already being read (the full Request was built): hono's way.
    if (!incoming || typeof incoming.on !== 'function' || incoming.readableFlowing !== null || incoming.readableEnded) return generic(c, next);
    const declared = incoming.headers['content-length'];
    if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(declared) > options.maxSize) return options.onError(c);
    const body = await readBody(incoming, options.maxSize);
    if (body === undefined) return options.onError(c);
    const cache = c.req.bodyCache as { text?: Promise<string>; arrayBuffer?: Promise<ArrayBuffer> };
    cache.text = Promise.resolve(utf8.decode(body));
    // A copy: a small Buffer.concat result is a slice of Node's shared pool.
    cache.arrayBuffer = Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    return next();
  };
}
