/**
 * The gateway on a real Kafka broker: the same routes and streams as on the
 * embedded log — publish with statuses to `ingested`, Guardian answers over
 * the socket and synchronously, an interactive query — with unique topic names
 * per run (a copy of pipeline.yaml with another app and topic prefix). And
 * the statuses and chunks the engine of the same process hands over as its
 * exactly-once transactions commit: on the stream while the reply consumer
 * reads nothing, and not again when it reads the same records.
 * Part of the Kafka suite (`npm run test:kafka`).
 */
import path from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { eventually, TEST_SECRET } from '../testing/support/gateway-harness.js';
import { type Held, holdReplyConsumers } from '../testing/support/held-replies.js';
import { kafkaGatewayStack } from '../testing/support/kafka-gateway-stack.js';
import { kafkaTransport, pipelineCopy, ROOT, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { TestSocket, wsUrl } from '../testing/support/ws-client.js';

describe('the gateway on Kafka', () => {
  const prefix = uniquePrefix('gw');
  const dir = tempDir('aura-kafka-gateway');
  const file = pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
  ]);
  const transport = kafkaTransport('aura-gateway-test');
  const logger = createLogger('gw-kafka', 'silent');
  const held: Held = { on: false, read: [] };
  const stack = kafkaGatewayStack({ file, dir, prefix, transport, logger, instanceId: 'gw-k1', gatewayTransport: holdReplyConsumers(transport, held) });
  const token = (user: string) => sign({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 }, TEST_SECRET, 'HS256');
  const auth = async (user: string) => ({ authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.stop());

  it('publishes, streams every status and a Guardian answer, and answers queries', async () => {
    const socket = await TestSocket.connect(wsUrl(stack.url, '/ws'), ['aura.v1', `bearer.${await token('ana')}`]);
    await socket.waitFor((m) => m.type === 'hello');
    const res = await fetch(`${stack.url}/api/holistic/mood-entries/`, {
      method: 'POST',
      headers: await auth('ana'),
      body: JSON.stringify({ score: 6, note: 'ran in the park' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await socket.waitFor((m) => m.event_id === id && m.status === 'ingested', 60_000);
    expect(socket.messages.filter((m) => m.event_id === id).map((m) => m.status)).toEqual(['received', 'aggregated', 'vectorized', 'ingested']);

    const advice = await fetch(`${stack.url}/api/guardian/advice`, {
      method: 'POST',
      headers: await auth('ana'),
      body: JSON.stringify({ question: 'How do I keep running?' }),
    });
    expect(advice.status).toBe(202);
    const { correlation_id } = (await advice.json()) as { correlation_id: string };
    const final = await socket.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id, 60_000);
    const chunks = socket.messages.filter((m) => m.type === 'guardian.chunk' && m.correlation_id === correlation_id);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(final.chunks).toBe(chunks.length);
    expect(final.seq).toBeGreaterThan(chunks.at(-1)!.seq!);

    const sync = await fetch(`${stack.url}/api/guardian/advice`, {
      method: 'POST',
      headers: { ...(await auth('ana')), prefer: 'wait=30' },
      body: JSON.stringify({ question: 'And sleep?' }),
    });
    expect(sync.status).toBe(200);
    const context = await fetch(`${stack.url}/api/users/ana/context`, { headers: await auth('ana') });
    expect(context.status).toBe(200);
    expect(((await context.json()) as { window: { version: number } }).window.version).toBe(1);
    socket.close();
  }, 120_000);

  it('streams the statuses and chunks of committed transactions straight from the engine, then not again from the log', async () => {
    const socket = await TestSocket.connect(wsUrl(stack.url, '/ws'), ['aura.v1', `bearer.${await token('bea')}`]);
    await socket.waitFor((m) => m.type === 'hello');
    const replies = stack.gateway.deps.replies;
    held.on = true;
    const readBefore = held.read.length;
    const fromEngine = replies.recordsFromEngine;
    const ids: string[] = [];
    for (const score of [3, 5, 8]) {
      const res = await fetch(`${stack.url}/api/holistic/mood-entries/`, { method: 'POST', headers: await auth('bea'), body: JSON.stringify({ score }) });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const advice = await fetch(`${stack.url}/api/guardian/advice`, {
      method: 'POST',
      headers: await auth('bea'),
      body: JSON.stringify({ question: 'How do I rest?' }),
    });
    const { correlation_id } = (await advice.json()) as { correlation_id: string };
    for (const id of ids) await socket.waitFor((m) => m.event_id === id && m.status === 'ingested', 60_000);
    await socket.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id, 60_000);
    expect(held.read.length).toBe(readBefore); // the reply consumer got nothing meanwhile
    expect(replies.recordsFromEngine).toBeGreaterThan(fromEngine);
    const check = () => {
      const seqd = socket.messages.filter((m) => m.seq !== undefined);
      expect(seqd.map((m) => m.seq)).toEqual(seqd.map((_, i) => seqd[0]!.seq! + i));
      for (const id of ids) expect(seqd.filter((m) => m.event_id === id).map((m) => m.status)).toEqual(['received', 'aggregated', 'vectorized', 'ingested']);
      const answer = seqd.filter((m) => m.correlation_id === correlation_id);
      const chunks = answer.filter((m) => m.type === 'guardian.chunk');
      expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
      expect(answer.at(-1)).toMatchObject({ type: 'guardian.response', status: 'ok', chunks: chunks.length });
    };
    check();
    const delivered = socket.messages.length;
    // Released, the consumer reads the same records from Kafka (read_committed): nothing is sent twice.
    held.on = false;
    const ingest = stack.pipeline.topics.vectordb_ingest!.name;
    const responses = stack.pipeline.topics.guardian_responses!.name;
    // A context stands for the user's events merged into it and carries the last one's header (emit: on_commit).
    await eventually(
      () =>
        held.read.some((r) => r.topic === ingest && r.headers['aura.event.id'] === ids.at(-1)) &&
        held.read.some((r) => r.topic === responses && String(r.value).includes(correlation_id))
          ? true
          : undefined,
      30_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.messages.length).toBe(delivered);
    check();
    socket.close();
  }, 120_000);
});
