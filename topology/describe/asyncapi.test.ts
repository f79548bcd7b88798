/**
 * `aura describe --format asyncapi` on the default pipeline: an AsyncAPI 3.0
 * document whose every reference resolves, whose channels are the topics with
 * their real Kafka settings, whose operations are who reads and writes what —
 * and whose inlined schemas still validate: the gateway's real envelope passes,
 * a bad mood entry fails at the field the cross-file `$ref` points to.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildEnvelope } from '../../gateway/publish/envelope.js';
import { WS_CHANNELS } from '../../schemas/ws/channels.js';
import { makeEvents } from '../../testing/support/events.js';
import { compilePipeline } from '../compile.js';
import { asyncApiDocument, describeAsyncApi } from './asyncapi.js';
import { schemaComponents } from './asyncapi-schemas.js';
import { topicUsage } from './topic-usage.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const file = fileURLToPath(new URL('../../pipeline.yaml', import.meta.url));
const pipeline = compilePipeline(fs.readFileSync(file, 'utf8'), file, { env: {} }).pipeline!;
type Obj = Record<string, any>;
const doc = parse(describeAsyncApi(pipeline)) as Obj;

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/'), ref).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Obj | undefined)?.[key], doc);
}

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) k === '$ref' && typeof v === 'string' ? out.push(v) : refs(v, out);
  return out;
}

describe('describe --format asyncapi', () => {
  it('is an AsyncAPI 3.0.0 document whose every $ref resolves, in YAML without anchors', () => {
    const text = describeAsyncApi(pipeline);
    expect(text).not.toMatch(/^\s*[^#\n]*[&*][a-z]\d+\b/m); // yaml aliases would hide shared objects from readers
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info).toMatchObject({ title: 'aura360 event streams', version: expect.any(String) });
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const r of all) expect(resolve(r), r).toBeDefined();
  });

  it("has one channel per topic of the API, with its physical name and Kafka settings, and the gateway's WebSocket channels", () => {
    const publicTopics = Object.values(pipeline.topics).filter((t) => !t.internal);
    expect(Object.keys(doc.channels).sort()).toEqual([...publicTopics.map((t) => t.id), ...WS_CHANNELS.map((c) => c.id)].sort());
    for (const t of publicTopics) {
      const ch = doc.channels[t.id];
      expect(ch.address).toBe(t.name);
      expect(ch.servers.map((s: Obj) => s.$ref)).toEqual(['#/servers/local', '#/servers/confluent-cloud']);
      expect(ch.bindings.kafka).toMatchObject({ topic: t.name, partitions: t.partitions, replicas: t.replication, bindingVersion: '0.5.0' });
      expect(ch.bindings.kafka.topicConfiguration['cleanup.policy']).toEqual(t.cleanup.split(','));
      expect(ch.bindings.kafka.topicConfiguration['retention.ms']).toBe(t.cleanup === 'compact' ? undefined : t.retentionMs);
      expect(Object.keys(ch.messages)).toHaveLength(1);
    }
    expect(doc.channels.dead_letters.bindings.kafka.topicConfiguration['retention.ms']).toBe(30 * 24 * 3600 * 1000);
  });

  it('has an operation for every read and write of the pipeline and the gateway, on messages of its own channel', () => {
    for (const [id, op] of Object.entries<Obj>(doc.operations)) {
      expect(['send', 'receive'], id).toContain(op.action);
      const channel = op.channel.$ref as string;
      expect(resolve(channel), id).toBeDefined();
      for (const m of op.messages) expect(m.$ref.startsWith(`${channel}/messages/`), `${id}: ${m.$ref}`).toBe(true);
    }
    for (const u of topicUsage(pipeline).filter((x) => !pipeline.topics[x.topic]!.internal && x.role !== 'dead_letter')) {
      const op = doc.operations[`${u.actor}.${u.action === 'read' ? 'receive' : 'send'}.${u.topic}`];
      expect(op, `${u.actor} ${u.action} ${u.topic}`).toBeDefined();
      expect(op.channel.$ref).toBe(`#/channels/${u.topic}`);
    }
    expect(doc.operations['aggregate_context.receive.user_events'].bindings.kafka.groupId.enum).toEqual(['aura360']);
    expect(doc.operations['aura360.send.dead_letters'].action).toBe('send');
    // Request-reply: the advice request names the channel its answer comes back on.
    expect(doc.operations['gateway.send.guardian_requests'].reply.channel.$ref).toBe('#/channels/guardian_responses');
  });

  it('gives every message a payload, a key binding, headers; a correlation id to the Guardian messages', () => {
    for (const [id, m] of Object.entries<Obj>(doc.components.messages).filter(([id]) => !id.startsWith('ws.'))) {
      expect(m.payload, id).toBeDefined();
      expect(m.bindings.kafka.key.type, id).toBe('string');
      expect(resolve(m.headers.$ref), id).toBeDefined();
    }
    for (const id of ['guardian-request', 'guardian-response', 'guardian-chunk'])
      expect(doc.components.messages[id].correlationId.location).toBe('$message.payload#/correlation_id');
    expect(doc.components.messages['dead-letter'].contentType).toBe('application/octet-stream');
    expect(doc.components.schemas['dead-letter-headers'].required).toContain('aura.dlq.error.code');
  });

  it('inlines the schemas so that they still validate: cross-file $refs point at the right component', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(asyncApiDocument(pipeline), 'asyncapi');
    const userEvent = ajv.getSchema('asyncapi#/components/schemas/user-event')!;
    const good = buildEnvelope({ type: 'user.mood.created', userId: 'ana', data: { score: 7, emotions: ['calm'] }, now: Date.now(), idempotencyKey: 'k1' });
    expect(userEvent(good), JSON.stringify(userEvent.errors)).toBe(true);
    for (const e of makeEvents(30, 3, 5)) expect(userEvent({ ...e, id: randomUUID() }), JSON.stringify(userEvent.errors)).toBe(true);
    expect(userEvent({ ...good, data: { score: 11 } })).toBe(false);
    expect(userEvent.errors!.map((e) => e.instancePath)).toContain('/data/score');
    const vectorized = ajv.getSchema('asyncapi#/components/schemas/vectorized-context')!;
    expect(vectorized({})).toBe(false);
  });
});

describe('the WebSocket channels in the AsyncAPI document', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(asyncApiDocument(pipeline), 'asyncapi');

  it('are on the gateway server, with every message of schemas/ws, its close codes and its handshake query', () => {
    expect(doc.servers.gateway).toMatchObject({ protocol: 'ws', host: 'localhost:8080' });
    for (const c of WS_CHANNELS) {
      const ch = doc.channels[c.id];
      expect(ch).toMatchObject({ address: c.address, servers: [{ $ref: '#/servers/gateway' }], bindings: { ws: { method: 'GET', bindingVersion: '0.1.0' } } });
      expect(Object.keys(ch.messages).sort()).toEqual([...c.server, ...c.client].map((m) => m.title).sort());
      expect(ch['x-close-codes'].map((x: Obj) => x.code)).toEqual(c.closeCodes.map((x) => x.code));
      for (const code of [1000, 1001, 1006, 1008, 1009, 1011, 1013]) expect(ch.description, c.id).toContain(`${code}: `);
    }
    expect(doc.channels['user-stream'].bindings.ws.query.properties.since.minimum).toBe(0);
    expect(doc.operations['gateway.send.user-stream'].security.map((s: Obj) => s.$ref)).toContain('#/components/securitySchemes/gateway-subprotocol');
    expect(doc.operations['gateway.receive.user-stream'].messages.map((m: Obj) => m.$ref).sort()).toEqual([
      '#/channels/user-stream/messages/ping',
      '#/channels/user-stream/messages/subscribe',
    ]);
    expect(doc.operations['gateway.send.topology-live'].security).toBeUndefined();
  });

  it('give each message a payload schema that tells a real message from a broken one', () => {
    const payload = (id: string) => ajv.getSchema(`asyncapi#/components/schemas/${id}`)!;
    const response = {
      seq: 3,
      type: 'guardian.response',
      correlation_id: 'c-1',
      status: 'ok',
      language: 'es',
      advice: 'Duerme bien.',
      chunks: 2,
      context_version: null,
      sources: [],
      at: 1,
    };
    expect(payload('ws.guardian.response')(response), JSON.stringify(payload('ws.guardian.response').errors)).toBe(true);
    expect(payload('ws.guardian.response')({ ...response, language: 'fr' })).toBe(false);
    expect(payload('ws.guardian.response')({ ...response, surprise: 1 })).toBe(false);
    const status = {
      seq: 1,
      type: 'event.status',
      event_id: '0b6f3b5e-4b8e-4f39-9a57-6a3f8d3f3c11',
      event_type: 'user.mood.created',
      status: 'received',
      at: 5,
      partition: 0,
      offset: 7,
    };
    expect(payload('ws.event.status')(status)).toBe(true);
    expect(payload('ws.event.status')({ ...status, status: 'done' })).toBe(false);
    expect(payload('ws.hello')({ type: 'hello', user_id: 'ana', instance: 'gw', last_seq: 0 })).toBe(true);
    expect(
      payload('ws.topology.stats')({
        at: 1,
        instance: 'gw',
        nodes: {},
        totals: { recordsConsumed: 0, recordsProduced: 0, deadLetters: 0, commits: 0, lag: 0 },
      }),
    ).toBe(true);
  });
});

describe('event schemas as components', () => {
  it('rewrites relative, absolute and internal $refs and pulls in what they reference', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-asyncapi-'));
    try {
      const write = (id: string, schema: object) =>
        fs.writeFileSync(
          path.join(dir, `${id}.schema.json`),
          JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: `https://aura360.dev/schemas/events/${id}.schema.json`, ...schema }),
        );
      write('a', {
        definitions: { n: { type: 'integer' } },
        properties: {
          b: { $ref: 'b.schema.json' },
          n: { $ref: '#/definitions/n' },
          c: { $ref: 'https://aura360.dev/schemas/events/c.schema.json#/properties/x' },
        },
      });
      write('b', { type: 'string' });
      write('c', { properties: { x: { type: 'boolean' } } });
      write('unused', { type: 'null' });
      const out = schemaComponents(['a'], dir) as Obj;
      expect(Object.keys(out)).toEqual(['a', 'b', 'c']);
      expect(out.a.$id).toBeUndefined();
      expect(out.a.$schema).toBeUndefined();
      expect(out.a.properties).toEqual({
        b: { $ref: '#/components/schemas/b' },
        n: { $ref: '#/components/schemas/a/definitions/n' },
        c: { $ref: '#/components/schemas/c/properties/x' },
      });
      write('bad', { properties: { y: { $ref: 'http://elsewhere.example/x.json' } } });
      expect(() => schemaComponents(['bad'], dir)).toThrow(/cannot place "\$ref"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
