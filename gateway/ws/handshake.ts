/**
 * The raw side of an HTTP upgrade, before any WebSocket exists: checking the
 * request-target and the handshake headers (RFC 6455 §4.2.1) without trusting
 * any of them, and answering on the bare socket when the upgrade is refused.
 * Nothing here throws on client input.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, HttpCodes } from '../http-error.js';
import { targetPathWellFormed } from '../middleware/request-target.js';

const BASE = 'http://localhost';
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** An RFC 7230 token: what a subprotocol name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether a Sec-WebSocket-Protocol header is a list of distinct tokens (what `ws` accepts; checked here to answer in our format). */
function protocolsWellFormed(header: string | undefined): boolean {
  if (header === undefined) return true;
  const names = header.split(',').map((p) => p.trim());
  return names.every((n) => TOKEN.test(n)) && new Set(names).size === names.length;
}

/** The URL of an origin-form request-target (`/path?query`), or undefined for anything else (absolute-form, `*`, a malformed path). */
export function parseTarget(target: string | undefined): URL | undefined {
  if (!target || target[0] !== '/' || !targetPathWellFormed(target)) return undefined;
  try {
    // Concatenated, not resolved against a base: `//host/x` is a path here, not another authority.
    const url = new URL(BASE + target);
    return url.origin === BASE ? url : undefined;
  } catch {
    return undefined;
  }
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** What is wrong with a WebSocket handshake, or undefined when it is well formed. */
export function handshakeProblem(req: IncomingMessage): Refusal | undefined {
  if (req.method !== 'GET') return { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'a WebSocket handshake is a GET', headers: { Allow: 'GET' } };
  if (req.httpVersion !== '1.1') return { status: 400, code: HttpCodes.VALIDATION_FAILED, message: 'a WebSocket handshake needs HTTP/1.1' };
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key)) return { status: 400, code: HttpCodes.VALIDATION_FAILED, message: 'missing or malformed Sec-WebSocket-Key' };
  if (!protocolsWellFormed(req.headers['sec-websocket-protocol']))
    return { status: 400, code: HttpCodes.VALIDATION_FAILED, message: 'malformed Sec-WebSocket-Protocol' };
  if (req.headers['sec-websocket-version'] !== '13') {
    return { status: 426, code: HttpCodes.UPGRADE_REQUIRED, message: 'only WebSocket version 13 is supported', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  return undefined;
}

/** Headers of a refused upgrade worth passing on (the rest of a Response's headers mean nothing on a closing socket). */
const PASSED_ON = ['content-type', 'retry-after', 'www-authenticate', 'allow', 'sec-websocket-version', 'upgrade', 'accept'];

/**
 * Writes a complete HTTP/1.1 answer on a socket that Node handed over for an upgrade, then closes it.
 * `end` plus destroy on finish (the server's sockets are half-open by default: a peer that never
 * closes its side would otherwise keep it forever), and a timeout for a peer that never reads.
 */
export function writeHttp(socket: Duplex, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (socket.destroyed) return;
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${payload.length}`];
  for (const [k, v] of Object.entries(headers)) if (!/[\r\n]/.test(k + v)) lines.push(`${k}: ${v}`);
  const timer = setTimeout(() => socket.destroy(), 5_000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload]));
}

export function refuse(socket: Duplex, r: Refusal): void {
  writeHttp(socket, r.status, { 'Content-Type': 'application/json', ...r.headers }, JSON.stringify(errorBody(r.code, r.message)));
}

/** Writes what the app answered to a refused upgrade (its status, its JSON error body, its challenge headers). */
export async function writeResponse(socket: Duplex, res: Response, maxBody = 1 << 20): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const v = res.headers.get(name);
    if (v !== null) headers[name] = v;
  }
  let body = Buffer.alloc(0);
  if (res.body) {
    const buf = Buffer.from(await res.arrayBuffer());
    body = buf.length <= maxBody ? buf : Buffer.alloc(0);
  }
  writeHttp(socket, res.status, headers, body);
}

/** The subprotocol answered: ours when offered, never a `bearer.<jwt>` (that would echo the token). */
export function pickProtocol(offered: Set<string>): string | false {
  if (offered.has('aura.v1')) return 'aura.v1';
  for (const p of offered) if (!p.startsWith('bearer.')) return p;
  return false;
}

export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    try {
      headers.append(k, Array.isArray(v) ? v.join(', ') : v);
    } catch {
      // A value Headers refuses is not one a route could use.
    }
  }
  return headers;
}
