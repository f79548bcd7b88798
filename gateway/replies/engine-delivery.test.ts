/**
 * Statuses and Guardian chunks handed over by the engine of the same process
 * at its commit (ReplyConsumer.follow), over real sockets on the embedded log:
 * they reach the user's stream while the reply consumer reads nothing, and
 * when it then reads the same records nothing is sent twice; every status and
 * chunk once, in order. With two instances, the statuses of events a peer's
 * engine processed still arrive, through the reply consumer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { eventually, type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { type Held, holdReplyConsumers } from '../../testing/support/held-replies.js';
import { type StreamMessage, TestSocket, wsUrl } from '../../testing/support/ws-client.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { createGateway, type Gateway } from '../app.js';

const STAGES = ['received', 'aggregated', 'vectorized', 'ingested'];

/** Every event: its four stages once and in that order; every answer: chunks 0..n-1 then one final message; seq gap-free. */
function expectComplete(messages: StreamMessage[], events: string[], answers: string[]): void {
  const seqd = messages.filter((m) => m.seq !== undefined);
  expect(seqd.map((m) => m.seq)).toEqual(seqd.map((_, i) => seqd[0]!.seq! + i));
  for (const id of events)
    expect(
      seqd.filter((m) => m.event_id === id).map((m) => m.status),
      id,
    ).toEqual(STAGES);
  for (const cid of answers) {
    const mine = seqd.filter((m) => m.correlation_id === cid);
    const chunks = mine.filter((m) => m.type === 'guardian.chunk');
    expect(chunks.length, cid).toBeGreaterThan(0);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(mine.at(-1)).toMatchObject({ type: 'guardian.response', status: 'ok', chunks: chunks.length });
    expect(mine.filter((m) => m.type === 'guardian.response')).toHaveLength(1);
  }
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function publish(h: Harness, user: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers: await h.auth(user), body: JSON.stringify({ score: 1 + i }) });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

describe('statuses and chunks from the engine at its commit', () => {
  it('reach the stream while the reply consumer reads nothing; its later read sends nothing twice', async () => {
    const held: Held = { on: false, read: [] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-engine-delivery-'));
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const h = await startHarness({ listen: true, transport, dir, gateway: { transport: holdReplyConsumers(transport, held) } });
    cleanup.push(
      () => transport.close(),
      () => h.close(),
    );
    const replies = h.gateway.deps.replies;
    held.on = true;

    const socket = await TestSocket.connect(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${await h.token('ana')}`]);
    cleanup.push(async () => socket.close());
    await socket.waitFor((m) => m.type === 'hello');
    const events = await publish(h, 'ana', 4);
    const advice = await fetch(`${h.url}/api/guardian/advice`, {
      method: 'POST',
      headers: await h.auth('ana'),
      body: JSON.stringify({ question: 'How do I sleep better?' }),
    });
    expect(advice.status).toBe(202);
    const { correlation_id } = (await advice.json()) as { correlation_id: string };
    for (const id of events) await socket.waitFor((m) => m.event_id === id && m.status === 'ingested', 20_000);
    await socket.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id, 20_000);
    expect(held.read).toEqual([]); // the consumer got nothing: all of it came from the engine
    expect(replies.recordsFromEngine).toBeGreaterThan(0);
    expectComplete(socket.messages, events, [correlation_id]);
    const delivered = socket.messages.length;

    // The consumer now reads the same records from the log: every one of them is a no-op.
    held.on = false;
    const ingest = h.pipeline.topics.vectordb_ingest!.name;
    const responses = h.pipeline.topics.guardian_responses!.name;
    // A context stands for the user's events merged into it and carries the last one's header (emit: on_commit).
    await eventually(
      () =>
        held.read.some((r) => r.topic === ingest && r.headers['aura.event.id'] === events.at(-1)) &&
        held.read.some((r) => r.topic === responses && String(r.value).includes(correlation_id))
          ? true
          : undefined,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.messages.length).toBe(delivered);
    expectComplete(socket.messages, events, [correlation_id]);
  }, 60_000);

  it("still streams the statuses of events a peer's engine processed (through the reply consumer)", async () => {
    const h = await startHarness({ listen: true, instanceId: 'gw-a' });
    cleanup.push(() => h.close());
    const logger = createLogger('b', 'silent');
    const appB: PipelineApp = createPipelineApp({
      pipeline: h.pipeline,
      transport: h.transport,
      logger,
      stateDir: path.join(h.dir, 'state-b'),
      instanceId: 'gw-b',
      pollTimeoutMs: 20,
      resources: { overrides: { embedder: createHashingEmbedder() } },
    });
    await appB.start();
    const gwB: Gateway = createGateway({
      pipeline: h.pipeline,
      transport: h.transport,
      app: appB,
      logger,
      instanceId: 'gw-b',
      stateDir: path.join(h.dir, 'gw-b'),
      auth: { alg: 'HS256', secret: TEST_SECRET },
    });
    await gwB.start(0, '127.0.0.1');
    cleanup.push(
      () => appB.stop(),
      () => gwB.stop(),
    );
    const st = h.pipeline.subtopologies.find((s) => s.stores.includes('user_context'))!;
    const owner = (u: string) => `${st.id}_${h.transport.partitionFor(u, st.partitions)}`;
    // Both engines share the group: one user processed here, one by the peer.
    const [local, remote] = await eventually(() => {
      if (appB.engine.tasks.size === 0 || h.app.engine.tasks.size === 0) return undefined;
      const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
      const a = users.find((u) => h.app.engine.tasks.has(owner(u)));
      const b = users.find((u) => appB.engine.tasks.has(owner(u)));
      return a && b ? [a, b] : undefined;
    }, 15_000);
    for (const user of [local, remote]) {
      const socket = await TestSocket.connect(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${await h.token(user)}`]);
      cleanup.push(async () => socket.close());
      await socket.waitFor((m) => m.type === 'hello');
      const fromEngineBefore = h.gateway.deps.replies.recordsFromEngine;
      const events = await publish(h, user, 3);
      for (const id of events) await socket.waitFor((m) => m.event_id === id && m.status === 'ingested', 20_000);
      await new Promise((r) => setTimeout(r, 200));
      expectComplete(socket.messages, events, []);
      // Only this process's engine hands over: nothing for the peer's user.
      if (user === local) expect(h.gateway.deps.replies.recordsFromEngine).toBeGreaterThan(fromEngineBefore);
      else expect(h.gateway.deps.replies.recordsFromEngine).toBe(fromEngineBefore);
    }
  }, 60_000);
});
