/**
 * The gateway's WebSocket server, in place of @hono/node-ws's `injectWebSocket`:
 * that one parses the request-target unguarded in its `upgrade` listener (one
 * `//[` took the process down) and keeps a waiter per handshake that is never
 * removed when the handshake fails (memory grew with every refused upgrade).
 *
 * Here the `upgrade` listener owns the whole handshake and nothing outlives it:
 *   1. a malformed request-target, a rate-limited address or a malformed
 *      handshake is answered on the raw socket (4xx) before the app runs;
 *   2. the Hono app runs the route (auth, parameters) with a per-request slot in
 *      `c.env`; `upgradeWebSocket(...)` only fills that slot, so a route that
 *      refuses (401, 400) leaves nothing behind;
 *   3. only then `ws` completes the upgrade, and the socket is admitted against
 *      the global and per-user caps (closed with 1013 / 1008 when over).
 * Admitted sockets get a ping every `wsHeartbeatMs`; one that did not answer
 * the previous ping is dropped. Messages larger than `wsMaxMessageBytes` close
 * the socket with 1009 (ws's own check, before the message is buffered whole).
 * The same helper on a plain HTTP request answers 426.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hono } from 'hono';
import { defineWebSocketHelper, type UpgradeWebSocket, WSContext, type WSEvents } from 'hono/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayLimits } from '../limits.js';
import { requestAddress } from '../middleware/client-address.js';
import { MALFORMED_TARGET } from '../middleware/request-target.js';
import { handshakeProblem, headersOf, isWebSocketUpgrade, parseTarget, pickProtocol, refuse, writeResponse } from './handshake.js';

/** Where `upgradeWebSocket` leaves its events for the `upgrade` listener (a symbol key of `c.env`). */
export const UPGRADE_SLOT = Symbol('aura.upgrade');
/** Set in `c.env` of requests the `upgrade` listener runs: their address was charged already. */
export const ADDRESS_CHARGED = Symbol('aura.address-charged');

interface UpgradeSlot {
  events?: WSEvents<WebSocket>;
  user?: string;
  url?: string;
}

export type UpgradeEnv = { incoming: IncomingMessage; outgoing: undefined; [UPGRADE_SLOT]?: UpgradeSlot; [ADDRESS_CHARGED]: true };

export interface WebSocketServerOptions {
  app: Hono<any>;
  limits: Pick<GatewayLimits, 'wsMaxConnections' | 'wsMaxPerUser' | 'wsMaxMessageBytes' | 'wsHeartbeatMs' | 'socketMaxBufferedBytes'>;
  logger: Logger;
  /** Charged once per handshake before anything else runs: 0 to go on, else the seconds to wait (429). */
  admit(address: string): number;
  trustProxy?: number;
}

interface Peer {
  key: string;
  alive: boolean;
}

export class GatewayWebSockets {
  readonly upgradeWebSocket: UpgradeWebSocket<WebSocket>;
  private readonly wss: WebSocketServer;
  private readonly peers = new Map<WebSocket, Peer>();
  private readonly perKey = new Map<string, number>();
  private pending = 0;
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly o: WebSocketServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: o.limits.wsMaxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: pickProtocol,
    });
    this.upgradeWebSocket = defineWebSocketHelper<WebSocket>((c, events) => {
      const slot = (c.env as Partial<UpgradeEnv> | undefined)?.[UPGRADE_SLOT];
      if (!slot) {
        throw new HttpError(426, HttpCodes.UPGRADE_REQUIRED, 'this endpoint speaks WebSocket: connect with Upgrade: websocket', {}, { Upgrade: 'websocket' });
      }
      slot.events = events;
      slot.user = c.get('user') as string | undefined;
      slot.url = c.req.url;
      return new Response(null, { status: 200 });
    });
  }

  /** Takes over the server's `upgrade` event and starts the heartbeat. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node removed its own error handler from an upgraded socket: a reset now would be an uncaught 'error'.
      socket.on('error', (err) => this.o.logger.debug({ err: errorMessage(err) }, 'upgrade socket error'));
      this.onUpgrade(req, socket, head).catch((err) => {
        this.o.logger.error({ err: errorMessage(err), stack: (err as Error)?.stack, url: req.url?.slice(0, 200) }, 'websocket upgrade failed');
        refuse(socket, { status: 500, code: HttpCodes.INTERNAL, message: 'internal error' });
      });
    });
    this.heartbeat = setInterval(() => this.beat(), this.o.limits.wsHeartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.peers.size;
  }

  /** Open sockets, handshakes in progress and bytes queued (for metrics and tests). */
  stats(): { open: number; pending: number; bufferedBytes: number; maxBufferedBytes: number } {
    let bufferedBytes = 0;
    let maxBufferedBytes = 0;
    for (const ws of this.peers.keys()) {
      bufferedBytes += ws.bufferedAmount;
      maxBufferedBytes = Math.max(maxBufferedBytes, ws.bufferedAmount);
    }
    return { open: this.peers.size, pending: this.pending, bufferedBytes, maxBufferedBytes };
  }

  /** Closes every socket with 1001, then drops those that did not finish the close within `graceMs`. */
  async shutdown(graceMs = 1_000): Promise<void> {
    clearInterval(this.heartbeat);
    const sockets = [...this.peers.keys()];
    for (const ws of sockets) ws.close(1001, 'gateway stopping');
    const until = Date.now() + graceMs;
    while (sockets.some((ws) => ws.readyState !== WebSocket.CLOSED) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const address = requestAddress(req, this.o.trustProxy ?? 0);
    const wait = this.o.admit(address);
    if (wait > 0)
      return refuse(socket, {
        status: 429,
        code: HttpCodes.RATE_LIMITED,
        message: 'too many handshakes from this address',
        headers: { 'Retry-After': String(wait) },
      });
    const url = parseTarget(req.url);
    if (!url) return refuse(socket, { status: 400, code: HttpCodes.VALIDATION_FAILED, message: MALFORMED_TARGET });
    if (!isWebSocketUpgrade(req)) return this.answerPlain(req, socket, url);
    const problem = handshakeProblem(req);
    if (problem) return refuse(socket, problem);
    // Each handshake in progress holds a request: as many as sockets may be open, no more.
    if (this.pending >= this.o.limits.wsMaxConnections) {
      return refuse(socket, { status: 503, code: HttpCodes.UNAVAILABLE, message: 'too many handshakes in progress', headers: { 'Retry-After': '1' } });
    }
    const slot: UpgradeSlot = {};
    let res: Response;
    this.pending++;
    try {
      res = await this.o.app.request(url, { method: 'GET', headers: headersOf(req) }, {
        incoming: req,
        outgoing: undefined,
        [UPGRADE_SLOT]: slot,
        [ADDRESS_CHARGED]: true,
      } satisfies UpgradeEnv);
    } finally {
      this.pending--;
    }
    if (!slot.events) {
      // The route refused (its 4xx goes back as is), or it is no WebSocket route: a 2xx would tell a client nothing.
      if (res.ok) return refuse(socket, { status: 400, code: HttpCodes.VALIDATION_FAILED, message: 'this route does not accept WebSocket connections' });
      return writeResponse(socket, res);
    }
    if (socket.destroyed || !socket.writable) return; // the client left while it was authenticated
    const events = slot.events;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.admitSocket(ws, events, slot, address));
  }

  /** Another protocol in `Upgrade` (h2c, …): ignored, as HTTP allows; GET and HEAD are answered like any request. */
  private async answerPlain(req: IncomingMessage, socket: Duplex, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(socket, { status: 400, code: HttpCodes.VALIDATION_FAILED, message: 'only WebSocket upgrades are supported' });
    }
    const res = await this.o.app.request(url, { method: req.method, headers: headersOf(req) }, {
      incoming: req,
      outgoing: undefined,
      [ADDRESS_CHARGED]: true,
    } satisfies UpgradeEnv);
    return writeResponse(socket, res);
  }

  private admitSocket(ws: WebSocket, events: WSEvents<WebSocket>, slot: UpgradeSlot, address: string): void {
    const key = slot.user !== undefined ? `user:${slot.user}` : `address:${address}`;
    const count = this.perKey.get(key) ?? 0;
    ws.on('error', (err) => this.o.logger.debug({ err: errorMessage(err) }, 'websocket error'));
    if (this.peers.size >= this.o.limits.wsMaxConnections) return this.turnAway(ws, 1013, 'the server is at its connection limit: retry later');
    if (count >= this.o.limits.wsMaxPerUser) {
      return this.turnAway(ws, 1008, `too many connections for this ${slot.user !== undefined ? 'user' : 'address'} (at most ${this.o.limits.wsMaxPerUser})`);
    }
    const peer: Peer = { key, alive: true };
    this.peers.set(ws, peer);
    this.perKey.set(key, count + 1);
    const ctx = new WSContext<WebSocket>({
      raw: ws,
      send: (data) => ws.send(data as string | Uint8Array),
      close: (code, reason) => ws.close(code, reason),
      get readyState() {
        return ws.readyState;
      },
      url: slot.url,
      protocol: ws.protocol,
    });
    const run = (handler: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        this.o.logger.error({ err: errorMessage(err), stack: (err as Error)?.stack, handler, url: slot.url }, 'websocket handler failed');
        ws.close(1011, 'internal error');
      }
    };
    ws.on('pong', () => (peer.alive = true));
    ws.on('message', (data, isBinary) => {
      peer.alive = true;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      const payload = isBinary ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf.toString('utf8');
      run('onMessage', () => events.onMessage?.(new MessageEvent('message', { data: payload }), ctx));
    });
    ws.on('close', (code, reason) => {
      this.release(ws);
      const event = Object.assign(new Event('close'), { code, reason: reason.toString(), wasClean: code !== 1006 }) as unknown as Parameters<
        NonNullable<WSEvents['onClose']>
      >[0];
      run('onClose', () => events.onClose?.(event, ctx));
    });
    ws.on('error', (err) => run('onError', () => events.onError?.(Object.assign(new Event('error'), { error: err }), ctx)));
    run('onOpen', () => events.onOpen?.(new Event('open'), ctx));
  }

  /** Over a cap: say why with a close code, and do not wait long for the peer's half of the close. */
  private turnAway(ws: WebSocket, code: number, reason: string): void {
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), 1_000).unref();
  }

  private release(ws: WebSocket): void {
    const peer = this.peers.get(ws);
    if (!peer) return;
    this.peers.delete(ws);
    const n = (this.perKey.get(peer.key) ?? 1) - 1;
    if (n <= 0) this.perKey.delete(peer.key);
    else this.perKey.set(peer.key, n);
  }

  private beat(): void {
    for (const [ws, peer] of this.peers) {
      if (!peer.alive) {
        ws.terminate(); // no pong (and no message) since the last ping: dead or not reading
        continue;
      }
      peer.alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }
}
