/**
 * The messages of the user stream (`GET /ws`), declared once: their JSON
 * Schemas are what docs/asyncapi.yaml publishes (topology/describe/
 * asyncapi-ws.ts), what the gateway's WebSocket tests validate every received
 * message against (testing/support/ws-client.ts), and their static types are
 * what the trackers in gateway/streams/ build.
 *
 * Messages that carry `seq` are stored before they are sent (numbered per
 * user, gap-free, in order) and replayed on `?since=`; the others (`hello`,
 * `stream.gap`, `stream.reset`, `pong`) are about the connection itself.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { LANGUAGES } from '../../providers/advisors/language.js';

const strict = { additionalProperties: false } as const;
const seq = Type.Integer({ minimum: 1, description: "The message's number in the user's stream (1, 2, …): resume with `?since=<the last one seen>`." });
const at = Type.Integer({ minimum: 0, description: 'When the gateway emitted it (epoch ms).' });
const lastSeq = Type.Integer({ minimum: 0, description: 'The number of the latest message of this user (0: none yet).' });
const correlationId = Type.String({ minLength: 1, maxLength: 128, description: 'The `correlation_id` answered by `POST /api/guardian/advice`.' });

/** Event processing stages, in order (`failed` ends an event early). */
export const EVENT_STAGES = ['received', 'aggregated', 'vectorized', 'ingested'] as const;

export const HelloMessage = Type.Object(
  {
    type: Type.Literal('hello'),
    user_id: Type.String({ minLength: 1 }),
    instance: Type.String({ description: 'The gateway instance serving this socket.' }),
    last_seq: lastSeq,
  },
  { ...strict, title: 'hello', description: 'First message on every socket: whose stream it is, and how far it goes.' },
);

export const EventStatusMessage = Type.Object(
  {
    seq,
    type: Type.Literal('event.status'),
    event_id: Type.String({ format: 'uuid', description: 'The `id` answered by `POST /api/holistic/…`.' }),
    event_type: Type.String({ description: 'E.g. `user.mood.created`.' }),
    status: Type.Union(
      [...EVENT_STAGES, 'failed'].map((s) => Type.Literal(s)),
      { description: '`received` → `aggregated` → `vectorized` → `ingested`, or `failed`.' },
    ),
    at,
    inferred: Type.Optional(Type.Literal(true, { description: 'A stage implied by a later one that was read first.' })),
    partition: Type.Optional(Type.Integer({ minimum: 0, description: '`received`: where the log stored the event.' })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    context_version: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: '`aggregated`: the version of the context window that folded the event.' }),
    ),
    point_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: '`ingested`: the id of the vector point.' })),
    sink: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    error: Type.Optional(
      Type.Object(
        { node: Type.String(), code: Type.String(), message: Type.String() },
        { ...strict, description: '`failed`: the processor that sent the event to the dead letters, and why.' },
      ),
    ),
  },
  { ...strict, title: 'event.status', description: 'How far an event the user published got through the pipeline.' },
);

export const GuardianChunkMessage = Type.Object(
  {
    seq,
    type: Type.Literal('guardian.chunk'),
    correlation_id: correlationId,
    index: Type.Integer({ minimum: 0, description: '0, 1, … in order.' }),
    text: Type.String(),
    final: Type.Boolean({ description: 'The last chunk of the answer.' }),
    at,
  },
  { ...strict, title: 'guardian.chunk', description: 'A piece of a Guardian answer, as the Guardian writes it.' },
);

export const GuardianResponseMessage = Type.Object(
  {
    seq,
    type: Type.Literal('guardian.response'),
    correlation_id: correlationId,
    status: Type.Union([Type.Literal('ok'), Type.Literal('timeout'), Type.Literal('error')]),
    language: Type.Optional(
      Type.Union(
        LANGUAGES.map((l) => Type.Literal(l)),
        { description: 'The language the answer is written in (what the request asked for).' },
      ),
    ),
    advice: Type.Optional(Type.String({ description: 'The whole answer (the chunks joined).' })),
    chunks: Type.Integer({ minimum: 0, description: 'How many chunks came before this message.' }),
    context_version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    sources: Type.Array(Type.Object({ point_id: Type.String(), score: Type.Number(), window_end: Type.Integer({ minimum: 0 }) }, strict), {
      description: 'Past contexts the answer drew on.',
    }),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, strict)),
    at,
  },
  { ...strict, title: 'guardian.response', description: 'The final Guardian message of a request: always after all its chunks.' },
);

export const StreamGapMessage = Type.Object(
  { type: Type.Literal('stream.gap'), from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) },
  { ...strict, title: 'stream.gap', description: 'Messages `from`…`to` are no longer kept (older than the buffer or its TTL): the stream goes on after them.' },
);

export const StreamResetMessage = Type.Object(
  { type: Type.Literal('stream.reset'), last_seq: lastSeq },
  {
    ...strict,
    title: 'stream.reset',
    description: "The client's `since` is ahead of what this instance ever numbered (its state was lost): numbering goes on from `last_seq`.",
  },
);

export const PongMessage = Type.Object({ type: Type.Literal('pong'), last_seq: lastSeq }, { ...strict, title: 'pong', description: 'The answer to `ping`.' });

/** What the gateway sends on `/ws`. */
export const STREAM_SERVER_MESSAGES: readonly TSchema[] = [
  HelloMessage,
  EventStatusMessage,
  GuardianChunkMessage,
  GuardianResponseMessage,
  StreamGapMessage,
  StreamResetMessage,
  PongMessage,
];

export const PingMessage = Type.Object(
  { type: Type.Literal('ping') },
  { title: 'ping', description: 'Asks for a `pong` (answered while the socket drains). Application-level; WebSocket pings are answered too.' },
);
export const SubscribeMessage = Type.Object(
  { type: Type.Literal('subscribe'), user_id: Type.String() },
  {
    title: 'subscribe',
    description: "Names the stream the client expects: another user's closes the socket with 1008. Anything else a client sends is ignored.",
  },
);

/** What a client may send on `/ws`. */
export const STREAM_CLIENT_MESSAGES: readonly TSchema[] = [PingMessage, SubscribeMessage];

export type EventStatus = Static<typeof EventStatusMessage>;
export type GuardianChunkBody = Omit<Static<typeof GuardianChunkMessage>, 'seq'>;
export type GuardianResponseBody = Omit<Static<typeof GuardianResponseMessage>, 'seq'>;
export type EventStatusBody = Omit<EventStatus, 'seq'>;
