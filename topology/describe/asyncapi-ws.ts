/**
 * The gateway's WebSocket channels in the AsyncAPI document, beside the
 * Kafka topics: one document for every asynchronous contract of the app, so
 * the request-reply that starts on HTTP, crosses Kafka and ends on the user's
 * socket reads in one place. Channels, messages and close codes come from
 * schemas/ws/ (the declarations the gateway's tests hold every message to);
 * the server is the gateway (`ws`), the Kafka channels name the Kafka servers.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { WS_CHANNELS, type WsChannel } from '../../schemas/ws/channels.js';

type Obj = Record<string, unknown>;

export const WS_BINDING_VERSION = '0.1.0';
export const GATEWAY_SERVER = 'gateway';

/** Plain JSON of a TypeBox schema (its symbols dropped). */
const json = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

const titleOf = (schema: TSchema): string => {
  if (typeof schema.title !== 'string') throw new Error('every WebSocket message schema needs a title (its type)');
  return schema.title;
};

/** Component id of a WebSocket message (`ws.hello`, `ws.topology.stats`). */
export const wsMessageId = (schema: TSchema): string => `ws.${titleOf(schema)}`;

export const WS_SERVER: Obj = {
  host: 'localhost:8080',
  protocol: 'ws',
  description: 'The gateway of `aura serve` (`wss` behind TLS in production). Its HTTP API is docs/openapi.json.',
};

export const WS_SECURITY_SCHEMES: Obj = {
  'gateway-bearer': {
    type: 'httpBearer',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The user\'s JWT in `Authorization` (docs/gateway.md, "Authentication").',
  },
  'gateway-subprotocol': {
    type: 'httpApiKey',
    in: 'header',
    name: 'Sec-WebSocket-Protocol',
    description: 'Offer `aura.v1, bearer.<jwt>` (browsers cannot set headers on a WebSocket).',
  },
  'gateway-query-token': { type: 'httpApiKey', in: 'query', name: 'token', description: 'The JWT as `?token=`.' },
};

function channel(c: WsChannel): Obj {
  const messages = [...c.server, ...c.client];
  const codes = c.closeCodes.map((x) => `${x.code}: ${x.meaning}`).join('; ');
  return {
    address: c.address,
    title: c.title,
    description: `${c.description}\n\nClose codes — ${codes}.`,
    servers: [{ $ref: `#/servers/${GATEWAY_SERVER}` }],
    messages: Object.fromEntries(messages.map((m) => [titleOf(m), { $ref: `#/components/messages/${wsMessageId(m)}` }])),
    bindings: { ws: { method: 'GET', query: json(c.query ?? Type.Object({})), bindingVersion: WS_BINDING_VERSION } },
    'x-close-codes': c.closeCodes.map((x) => ({ ...x })),
  };
}

function message(schema: TSchema): Obj {
  return {
    name: titleOf(schema),
    title: titleOf(schema),
    ...(schema.description ? { summary: schema.description } : {}),
    contentType: 'application/json',
    payload: { $ref: `#/components/schemas/${wsMessageId(schema)}` },
  };
}

/** Channels, operations and components of the WebSocket side; `actor` names the gateway in operation ids. */
export function wsParts(actor: string): { channels: Obj; operations: Obj; messages: Obj; schemas: Obj } {
  const channels: Obj = {};
  const operations: Obj = {};
  const messages: Obj = {};
  const schemas: Obj = {};
  for (const c of WS_CHANNELS) {
    channels[c.id] = channel(c);
    const security = c.authenticated ? Object.keys(WS_SECURITY_SCHEMES).map((id) => ({ $ref: `#/components/securitySchemes/${id}` })) : undefined;
    for (const [verb, list] of [
      ['send', c.server],
      ['receive', c.client],
    ] as const) {
      if (list.length === 0) continue;
      operations[`${actor}.${verb}.${c.id}`] = {
        action: verb,
        channel: { $ref: `#/channels/${c.id}` },
        title: `${actor} ${verb}s on ${c.address}`,
        summary:
          verb === 'send' ? `What the gateway sends on ${c.address} (JSON text frames).` : `What a client may send on ${c.address}; anything else is ignored.`,
        ...(security ? { security } : {}),
        messages: list.map((m) => ({ $ref: `#/channels/${c.id}/messages/${titleOf(m)}` })),
        tags: [{ name: 'gateway' }, { name: 'websocket' }],
      };
    }
    for (const m of [...c.server, ...c.client]) {
      messages[wsMessageId(m)] = message(m);
      schemas[wsMessageId(m)] = json(m);
    }
  }
  return { channels, operations, messages, schemas };
}
