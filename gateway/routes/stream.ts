/**
 * `GET /ws` — the user's stream. Authenticated before the upgrade (a failed
 * check is a plain HTTP 401, no socket): the token comes as a subprotocol
 * `bearer.<jwt>` (browsers cannot set headers on a WebSocket; offer
 * `['aura.v1', 'bearer.<jwt>']` and the server picks `aura.v1`), as `?token=`,
 * or as an Authorization header. `?since=<seq>` resumes after the last message
 * seen. Asking for another user's stream (`?user=` or a `subscribe` message)
 * closes the socket with 1008 (policy violation). Caps, heartbeat and the
 * message size limit are the WebSocket server's (ws/server.ts); backpressure
 * is the outbox's (streams/outbox.ts).
 */
import type { Static } from '@sinclair/typebox';
import { Hono, type MiddlewareHandler } from 'hono';
import { USER_STREAM_CHANNEL, USER_STREAM_QUERY } from '../../schemas/ws/channels.js';
import type { HelloMessage, PongMessage } from '../../schemas/ws/stream-messages.js';
import type { GatewayDeps } from '../deps.js';
import { HttpCodes, HttpError } from '../http-error.js';
import { errorResponse } from '../openapi/errors.js';
import { defineOperation, type ResponseDecl } from '../openapi/operation.js';
import type { StreamSocket } from '../streams/outbox.js';
import type { GatewayEnv } from '../types.js';

/** What the WebSocket server and the route answer a handshake instead of 101 (shared with /topology/live). */
export const HANDSHAKE_ERRORS: Record<number, ResponseDecl> = {
  400: errorResponse(400, 'A malformed handshake (HTTP/1.0, Sec-WebSocket-Key, Sec-WebSocket-Protocol, request-target) or query.'),
  405: errorResponse(405, 'A handshake that is not a GET.', { headers: { Allow: { description: '`GET`', required: true, schema: { type: 'string' } } } }),
  426: errorResponse(426, 'A plain request without a handshake, or a WebSocket version other than 13.'),
  429: errorResponse(429, 'Too many handshakes from this client address.'),
  503: errorResponse(503, 'Too many handshakes in progress.'),
};

export const SWITCHING_PROTOCOLS: ResponseDecl = {
  description: 'The WebSocket is open; its messages are in the AsyncAPI document (docs/asyncapi.yaml).',
  headers: { 'Sec-WebSocket-Protocol': { description: '`aura.v1` when offered (never a `bearer.` entry).', schema: { type: 'string' } } },
};

export const streamOperation = defineOperation({
  method: 'get',
  path: USER_STREAM_CHANNEL.address,
  operationId: 'open-user-stream',
  tags: ['stream'],
  summary: "Open the user's stream (WebSocket)",
  description: USER_STREAM_CHANNEL.description,
  security: ['websocket'],
  query: USER_STREAM_QUERY,
  upgrade: USER_STREAM_CHANNEL.id,
  headers: {
    'Sec-WebSocket-Protocol': { description: 'Offer `aura.v1, bearer.<jwt>`: browsers cannot set Authorization on a WebSocket.', schema: { type: 'string' } },
  },
  responses: {
    101: SWITCHING_PROTOCOLS,
    ...HANDSHAKE_ERRORS,
    401: errorResponse(401, 'No token, or not a valid one: a plain HTTP answer, no socket.'),
  },
});

const PROTOCOL_PREFIX = 'bearer.';

export function tokenOfUpgrade(headers: { protocol?: string; authorization?: string }, queryToken?: string): string | undefined {
  for (const p of (headers.protocol ?? '').split(',')) {
    const v = p.trim();
    if (v.startsWith(PROTOCOL_PREFIX)) return v.slice(PROTOCOL_PREFIX.length);
  }
  if (queryToken) return queryToken;
  const auth = headers.authorization;
  return auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
}

export function upgradeAuth(d: GatewayDeps): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const token = tokenOfUpgrade({ protocol: c.req.header('sec-websocket-protocol'), authorization: c.req.header('authorization') }, c.req.query('token'));
    if (!token) throw new HttpError(401, HttpCodes.UNAUTHORIZED, 'no token: send it as subprotocol bearer.<jwt>, ?token= or Authorization');
    c.set('user', await d.auth.verifyToken(token));
    await next();
  };
}

export function streamRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get(
    '/',
    upgradeAuth(d),
    d.upgradeWebSocket((c) => {
      const user = c.get('user');
      // Thrown here, before the upgrade: a bad `since` is a plain 400.
      const { user: wanted, since } = streamOperation.parseQuery(c.req.query());
      let detach: (() => void) | undefined;
      return {
        onOpen(_event, ws) {
          if (wanted !== undefined && wanted !== user) {
            ws.close(1008, 'this token may not read the stream of another user');
            return;
          }
          const raw = ws.raw as { bufferedAmount: number; _socket?: { cork(): void; uncork(): void } } | undefined;
          // ws writes each frame on its own; corking its net.Socket (a private field, hence the guard)
          // turns the messages of one batch into one write.
          const net = typeof raw?._socket?.cork === 'function' ? raw._socket : undefined;
          const socket: StreamSocket = {
            send: (text) => ws.send(text),
            close: (code, reason) => ws.close(code, reason),
            bufferedAmount: () => raw?.bufferedAmount ?? 0,
            cork: net ? () => net.cork() : undefined,
            uncork: net ? () => net.uncork() : undefined,
          };
          const hello: Static<typeof HelloMessage> = { type: 'hello', user_id: user, instance: d.instanceId, last_seq: d.outbox.lastSeqOf(user) };
          ws.send(JSON.stringify(hello));
          detach = d.outbox.subscribe(user, socket, since);
        },
        onMessage(event, ws) {
          let msg: { type?: unknown; user_id?: unknown };
          try {
            msg = JSON.parse(String(event.data)) as typeof msg;
          } catch {
            return; // not ours to interpret
          }
          if (msg.type === 'subscribe' && msg.user_id !== user) {
            detach?.();
            ws.close(1008, 'this token may not read the stream of another user');
          } else if (msg.type === 'ping' && (ws.raw?.bufferedAmount ?? 0) < d.limits.socketMaxBufferedBytes) {
            // Answered only while the socket drains: a client that pings without reading gets nothing queued.
            const pong: Static<typeof PongMessage> = { type: 'pong', last_seq: d.outbox.lastSeqOf(user) };
            ws.send(JSON.stringify(pong));
          }
        },
        onClose() {
          detach?.();
        },
        onError() {
          detach?.();
        },
      };
    }),
  );
  return app;
}
