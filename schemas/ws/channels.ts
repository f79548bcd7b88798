/**
 * The gateway's WebSocket channels as a contract: address, what each side
 * sends, the handshake's query parameters and the close codes the gateway
 * uses. topology/describe/asyncapi-ws.ts turns this into AsyncAPI channels,
 * testing/support/ws-client.ts holds every test socket to it.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { STREAM_CLIENT_MESSAGES, STREAM_SERVER_MESSAGES } from './stream-messages.js';
import { TopologyStatsMessage } from './topology-messages.js';

export interface CloseCode {
  code: number;
  meaning: string;
}

export interface WsChannel {
  /** Channel id in the AsyncAPI document. */
  id: string;
  /** The request path of the handshake. */
  address: string;
  title: string;
  description: string;
  /** The handshake's query parameters (an object schema; values arrive as strings). */
  query: TSchema;
  authenticated: boolean;
  /** Messages the gateway sends (JSON text frames), each an object schema with a `title`. */
  server: readonly TSchema[];
  /** Messages a client may send. */
  client: readonly TSchema[];
  /** The close codes a client may see; anything else is a bug. */
  closeCodes: readonly CloseCode[];
}

/** Close codes every gateway socket may see. */
const COMMON_CLOSE_CODES: CloseCode[] = [
  { code: 1000, meaning: 'normal closure (the client closed)' },
  { code: 1001, meaning: 'the gateway is stopping: reconnect (with `since` on /ws) to another instance or later' },
  { code: 1005, meaning: 'closed without a status code (the client closed without one)' },
  { code: 1006, meaning: 'dropped without a close frame: the peer did not answer the previous heartbeat ping, or the network failed' },
  { code: 1009, meaning: 'a client message was larger than AURA_WS_MAX_MESSAGE' },
  { code: 1011, meaning: 'an internal error on this socket: reconnect' },
  { code: 1013, meaning: 'the instance is at AURA_WS_MAX_CONNECTIONS: retry later' },
];

/** The query of the `/ws` handshake. */
export const USER_STREAM_QUERY = Type.Object({
  since: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      'x-message': 'must be a non-negative integer',
      description: 'Resume after this message number.',
    }),
  ),
  token: Type.Optional(Type.String({ description: 'The bearer token, for clients that can neither set headers nor subprotocols.' })),
  user: Type.Optional(Type.String({ description: "The stream the client expects; another user's closes the socket with 1008." })),
});

export const USER_STREAM_CHANNEL: WsChannel = {
  id: 'user-stream',
  address: '/ws',
  title: "The user's stream",
  description:
    "Processing status of the user's events and the Guardian's answers, numbered per user (`seq`), stored before they are sent. " +
    'The token is checked before the upgrade (a plain HTTP 401, no socket): as subprotocol `bearer.<jwt>` next to `aura.v1` (the one the server picks), as `?token=`, or in `Authorization`. ' +
    'Reconnect with `?since=<last seq seen>` to get exactly what was missed, also across a gateway restart; without it a socket gets what no socket of the user was sent yet.',
  query: USER_STREAM_QUERY,
  authenticated: true,
  server: STREAM_SERVER_MESSAGES,
  client: STREAM_CLIENT_MESSAGES,
  closeCodes: [
    ...COMMON_CLOSE_CODES,
    { code: 1008, meaning: "policy: another user's stream was asked for (`?user=` or `subscribe`), or the user has AURA_WS_MAX_PER_USER sockets open already" },
  ].sort((a, b) => a.code - b.code),
};

export const TOPOLOGY_LIVE_CHANNEL: WsChannel = {
  id: 'topology-live',
  address: '/topology/live',
  title: 'The live topology numbers',
  description:
    "A snapshot of the per-node numbers when the socket opens, then one a second. A client that does not keep up skips snapshots; none queue. Unauthenticated (no user data): keep it on the operators' network.",
  query: Type.Object({}),
  authenticated: false,
  server: [TopologyStatsMessage],
  client: [],
  closeCodes: [...COMMON_CLOSE_CODES, { code: 1008, meaning: 'policy: this client address has AURA_WS_MAX_PER_USER sockets open already' }].sort(
    (a, b) => a.code - b.code,
  ),
};

export const WS_CHANNELS: readonly WsChannel[] = [USER_STREAM_CHANNEL, TOPOLOGY_LIVE_CHANNEL];
