/**
 * The gateway on a pipeline whose gateway topics go through the Schema
 * Registry (real Kafka, real Apicurio): user events `json_sr`, Guardian
 * requests and answers `avro`, chunks `json_sr`, ingest results `avro`. What
 * the gateway publishes is in the Confluent wire format with the registered
 * schema id (readable by any registry client), and what it reads back —
 * statuses, chunks, answers — is decoded: the same flow as on plain JSON.
 * Part of the Kafka suite (`npm run test:kafka`).
 */
import path from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { SchemaRegistryClient, valueSubject } from '../serdes/registry-client.js';
import { RegistrySerdes } from '../serdes/registry-serdes.js';
import { topicSchemas } from '../serdes/topic-schemas.js';
import { TEST_SECRET } from '../testing/support/gateway-harness.js';
import { kafkaGatewayStack } from '../testing/support/kafka-gateway-stack.js';
import { kafkaTransport, pipelineCopy, ROOT, readTopic, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { registryConfig } from '../testing/support/registry-serdes.js';
import { TestSocket, wsUrl } from '../testing/support/ws-client.js';
import { GatewayHeaders } from './headers.js';

const formats: Array<[string, string]> = [
  ['user-event', 'json_sr'],
  ['guardian-request', 'avro'],
  ['guardian-response', 'avro'],
  ['guardian-chunk', 'json_sr'],
  ['ingest-result', 'avro'],
];

describe('the gateway on Kafka with Schema Registry formats', () => {
  const registryUrl = inject('schemaRegistryUrl');
  const prefix = uniquePrefix('gwsr');
  const dir = tempDir('aura-gateway-registry');
  const file = pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
    ...formats.map(([schema, format]): [string, string] => [`    schema: ${schema}\n`, `    schema: ${schema}\n    format: ${format}\n`]),
  ]);
  const transport = kafkaTransport('aura-gateway-registry-test');
  const logger = createLogger('gw-registry', 'silent');
  const registry = registryConfig(registryUrl);
  const stack = kafkaGatewayStack({ file, dir, prefix, transport, logger, instanceId: 'gw-r1', registry });
  let client: RegistrySerdes;
  const token = (user: string) => sign({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 }, TEST_SECRET, 'HS256');
  const auth = async (user: string) => ({ authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    await stack.start();
    expect(formats.map(([schema]) => Object.values(stack.pipeline.topics).find((t) => t.schema === schema)?.format)).toEqual(formats.map(([, f]) => f));
    client = new RegistrySerdes(new SchemaRegistryClient(registry), topicSchemas(stack.pipeline), logger);
    await client.init();
  }, 120_000);
  afterAll(() => stack.stop());

  it('publishes in the wire format of the topic, and follows the event to ingested', async () => {
    const socket = await TestSocket.connect(wsUrl(stack.url, '/ws'), ['aura.v1', `bearer.${await token('ana')}`]);
    await socket.waitFor((m) => m.type === 'hello');
    const res = await fetch(`${stack.url}/api/holistic/mood-entries/`, {
      method: 'POST',
      headers: await auth('ana'),
      body: JSON.stringify({ score: 6, note: 'ran in the park' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const topic = stack.pipeline.topics.user_events!;
    const record = (await readTopic(transport, topic.name, topic.partitions)).find((r) => r.headers[GatewayHeaders.eventId] === id)!;
    expect(record.value![0]).toBe(0); // the magic byte, then the schema id the registry gave the topic's subject
    expect(record.value!.readInt32BE(1)).toBe(client.schemaIdOf(topic.name));
    expect(
      (
        await new SchemaRegistryClient(registry).lookup(
          valueSubject(topic.name),
          JSON.stringify(JSON.parse(topicSchemas(stack.pipeline).find((s) => s.topic.id === 'user_events')!.schema)),
          'JSON',
        )
      )?.id,
    ).toBe(client.schemaIdOf(topic.name));
    await client.prefetch([record]);
    expect(client.decode(topic.name, record.value)).toMatchObject({
      id,
      type: 'user.mood.created',
      user_id: 'ana',
      data: { score: 6, note: 'ran in the park' },
    });
    const ingested = await socket.waitFor((m) => m.event_id === id && m.status === 'ingested', 60_000);
    expect(socket.messages.filter((m) => m.event_id === id).map((m) => m.status)).toEqual(['received', 'aggregated', 'vectorized', 'ingested']);
    expect(ingested.point_id).toMatch(/^[0-9a-f-]{36}$/); // read out of the Avro ingest result
    socket.close();
  }, 90_000);

  it('asks the Guardian in Avro and streams its decoded answer', async () => {
    const socket = await TestSocket.connect(wsUrl(stack.url, '/ws'), ['aura.v1', `bearer.${await token('bob')}`]);
    await socket.waitFor((m) => m.type === 'hello');
    const advice = await fetch(`${stack.url}/api/guardian/advice`, {
      method: 'POST',
      headers: await auth('bob'),
      body: JSON.stringify({ question: '¿Cómo duermo mejor?' }),
    });
    expect(advice.status).toBe(202);
    const { correlation_id } = (await advice.json()) as { correlation_id: string };
    const final = await socket.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id, 60_000);
    expect(final).toMatchObject({ status: 'ok', language: 'es' });
    const chunks = socket.messages.filter((m) => m.type === 'guardian.chunk' && m.correlation_id === correlation_id);
    expect(chunks.length).toBe(final.chunks);
    const requests = stack.pipeline.topics.guardian_requests!;
    const sent = (await readTopic(transport, requests.name, requests.partitions)).find((r) => r.key === 'bob')!;
    await client.prefetch([sent]);
    expect(client.decode(requests.name, sent.value)).toMatchObject({ correlation_id, user_id: 'bob', question: '¿Cómo duermo mejor?', language: 'es' });
    const sync = await fetch(`${stack.url}/api/guardian/advice`, {
      method: 'POST',
      headers: { ...(await auth('bob')), prefer: 'wait=30' },
      body: JSON.stringify({ question: 'And how do I relax?', language: 'en' }),
    });
    expect(sync.status).toBe(200);
    expect(((await sync.json()) as { status: string; language: string }).language).toBe('en');
    socket.close();
  }, 90_000);
});
