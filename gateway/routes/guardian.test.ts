/**
 * Guardian request-reply through the real pipeline: 202 and the answer on the
 * socket (chunks in order, then the final message), the synchronous mode
 * (`Prefer: wait`), 504 at the deadline, answers routed only to the instance
 * that asked, and answers that arrive while the gateway is down delivered
 * after its restart.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp } from '../../runtime/app.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { eventually, type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { type StreamMessage, TestSocket, wsUrl } from '../../testing/support/ws-client.js';
import { createGateway, type Gateway } from '../app.js';

const logger = createLogger('test', 'silent');

/** The Guardian messages of one correlation id: chunks in order, then exactly one final response. */
function expectOrderedAnswer(messages: StreamMessage[], correlationId: string): StreamMessage {
  const mine = messages.filter((m) => m.correlation_id === correlationId);
  const chunks = mine.filter((m) => m.type === 'guardian.chunk');
  const finals = mine.filter((m) => m.type === 'guardian.response');
  expect(finals).toHaveLength(1);
  expect(mine.at(-1)!.type).toBe('guardian.response');
  expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  expect(chunks.at(-1)!.final).toBe(true);
  expect(finals[0]!.chunks).toBe(chunks.length);
  const seqs = mine.map((m) => m.seq!);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  return finals[0]!;
}

describe('POST /api/guardian/advice', () => {
  let h: Harness;
  let other: Gateway;
  let otherUrl: string;
  const ask = async (url: string, user: string, question: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/guardian/advice`, { method: 'POST', headers: { ...(await h.auth(user)), ...headers }, body: JSON.stringify({ question }) });

  beforeAll(async () => {
    h = await startHarness({ listen: true });
    // A second instance on the same log, with a deadline no Guardian can meet.
    other = createGateway({
      pipeline: h.pipeline,
      transport: h.transport,
      app: h.app,
      logger,
      instanceId: 'gw-other',
      stateDir: path.join(h.dir, 'other'),
      auth: { alg: 'HS256', secret: TEST_SECRET },
      limits: { adviceDeadlineMs: 1 },
    });
    otherUrl = (await other.start(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await other?.stop();
    await h?.close();
  });

  it('answers 202 and streams the answer to the socket of the instance that asked, only there', async () => {
    const here = await TestSocket.connect(wsUrl(h.url, '/ws'), ['aura.v1', `bearer.${await h.token('ana')}`]);
    const there = await TestSocket.connect(wsUrl(otherUrl, '/ws'), ['aura.v1', `bearer.${await h.token('ana')}`]);
    await Promise.all([here.waitFor((m) => m.type === 'hello'), there.waitFor((m) => m.type === 'hello')]);
    const res = await ask(h.url, 'ana', 'How can I sleep better before exams?');
    expect(res.status).toBe(202);
    const { correlation_id } = (await res.json()) as { correlation_id: string };
    await here.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id);
    const final = expectOrderedAnswer(here.messages, correlation_id);
    expect(final.status).toBe('ok');
    expect(final.language).toBe('en'); // the language the request chose (detected from the question), named on the final message
    expect(String(final.advice).length).toBeGreaterThan(20);
    await new Promise((r) => setTimeout(r, 200));
    expect(there.messages.filter((m) => m.type !== 'hello')).toEqual([]);
    here.close();
    there.close();
  });

  it('waits for the full answer with Prefer: wait', async () => {
    const res = await ask(h.url, 'bob', 'I feel anxious, what should I do?', { prefer: 'wait=10' });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    const body = (await res.json()) as { status: string; advice: string; chunks: number; correlation_id: string };
    expect(body.status).toBe('ok');
    expect(body.chunks).toBeGreaterThan(1);
    expect(body.advice.length).toBeGreaterThan(20);
  });

  it('answers 504 at the deadline', async () => {
    // No answer can come: the pipeline stops (left to itself, a Guardian on an idle machine may answer
    // within the 1 ms deadline, before the gateway's timer gets its turn on the event loop).
    await h.app.stop();
    const late = await ask(otherUrl, 'cid', 'Anything?', { prefer: 'wait=10' });
    expect(late.status).toBe(504);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('DEADLINE_EXCEEDED');
    const impatient = await ask(h.url, 'cid', 'Anything?', { prefer: 'wait=0' });
    expect(impatient.status).toBe(504);
  });

  it('rejects a missing or empty question with 400', async () => {
    for (const q of [undefined, '   ', 42]) {
      const res = await ask(h.url, 'dee', q);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe('/question');
    }
  });
});

describe('an answer that arrives while the gateway is down', () => {
  it('is delivered after the restart, when the client reconnects', async () => {
    const h = await startHarness({ instanceId: 'gw-restart' });
    const stateDir = path.join(h.dir, 'state-gw-restart');
    try {
      await h.app.stop(); // the pipeline is down: the request waits in the log
      const res = await h.gateway.app.request('/api/guardian/advice', {
        method: 'POST',
        headers: await h.auth('eva'),
        body: JSON.stringify({ question: 'How do I keep my energy up?' }),
      });
      expect(res.status).toBe(202);
      const { correlation_id } = (await res.json()) as { correlation_id: string };
      await h.gateway.stop();

      const app = createPipelineApp({
        pipeline: h.pipeline,
        transport: h.transport,
        logger,
        stateDir,
        instanceId: 'gw-restart',
        resources: { overrides: { embedder: createHashingEmbedder() } },
      });
      await app.start();
      await eventually(async () => ((await h.readTopic('guardian_responses')).length > 0 ? true : undefined));
      const gw = createGateway({
        pipeline: h.pipeline,
        transport: h.transport,
        app,
        logger,
        instanceId: 'gw-restart',
        stateDir,
        auth: { alg: 'HS256', secret: TEST_SECRET },
      });
      const { url } = await gw.start(0, '127.0.0.1');
      try {
        const s = await TestSocket.connect(wsUrl(url, '/ws?since=0'), ['aura.v1', `bearer.${await h.token('eva')}`]);
        await s.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id);
        expect(expectOrderedAnswer(s.messages, correlation_id).status).toBe('ok');
        expect(s.messages.find((m) => m.seq !== undefined)!.seq).toBe(1);
        s.close();
      } finally {
        await gw.stop();
        await app.stop();
      }
    } finally {
      await h.close();
    }
  });
});
