/**
 * The default pipeline with its real-provider resources — `openai` embedder
 * and `openai_chat` Guardian — pointed (by ${LLM_URL} interpolation) at the
 * local OpenAI protocol server, run through the TopologyTestDriver: contexts
 * are vectorized over /v1/embeddings, and a Guardian request is answered from
 * the streamed chat deltas, re-chunked into words, with the user's context in
 * the prompt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvents } from '../testing/support/events.js';
import { type ChatRequestBody, type OpenAiTestServer, startOpenAiTestServer } from '../testing/support/openai-server.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { compilePipeline } from '../topology/compile.js';

const PIPELINE = path.resolve(import.meta.dirname, '../pipeline.yaml');

const REAL_PROVIDERS = `resources:
  embedder:
    type: openai
    url: \${LLM_URL}
    model: test-embed
    batch_size: 16
  context_vectors:
    type: embedded
    path: \${AURA_VECTOR_DB:-.aura/vectors.db}
  advisor:
    type: openai_chat
    url: \${LLM_URL}/v1
    model: test-chat
    api_key: \${LLM_API_KEY:-}
    temperature: 0.2
    timeout: 5s
    prompt_template: "Context: {{context}} | History: {{history}}"
`;

/** What the model "says": deltas of 3 characters cut words in the middle, and a double space and a newline to collapse. */
const answer = (body: ChatRequestBody): string => {
  const question = body.messages.at(-1)!.content;
  return `Thanks for asking "${question}".  Your mood dipped on busy days;\ntry a short walk after lunch and a fixed bedtime this week.`;
};
const words = (text: string): string => text.trim().split(/\s+/).join(' ');

describe('default pipeline on OpenAI-compatible providers (local protocol server)', () => {
  let server: OpenAiTestServer;
  let driver: TopologyTestDriver;
  const events = makeEvents(40, 3, 11);

  beforeAll(async () => {
    server = await startOpenAiTestServer({ reply: answer, dims: 24 });
    const source = fs.readFileSync(PIPELINE, 'utf8');
    const replaced = source.replace(/^resources:\n(?:[ #].*\n|\n(?= ))*/m, REAL_PROVIDERS);
    expect(replaced).not.toBe(source);
    const compiled = compilePipeline(replaced, PIPELINE, { env: { LLM_URL: server.url, AURA_VECTOR_DB: ':memory:' } });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(compiled.pipeline!.resources.embedder!.config.url).toBe(server.url);
    driver = await TopologyTestDriver.create(compiled.pipeline!);
    await driver.pipeInput(
      'user_events',
      events.map((e) => ({ key: e.user_id, value: e, timestamp: Date.parse(e.time) })),
    );
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
    await server?.close();
  });

  it('vectorizes every context over /v1/embeddings', async () => {
    // emit: on_commit (pipeline.yaml): one context per user and commit, each of them vectorized.
    const contexts = await driver.readOutput('context_aggregated');
    expect(contexts.length).toBeGreaterThanOrEqual(3);
    const vectorized = (await driver.readOutput('context_vectorized')).map((r) => r.value as { model: string; dims: number; vector: number[] });
    expect(vectorized).toHaveLength(contexts.length);
    for (const v of vectorized) {
      expect(v.model).toBe('test-embed');
      expect(v.dims).toBe(24);
      expect(Math.hypot(...v.vector)).toBeCloseTo(1, 4);
    }
    const sent = server.requests.filter((r) => r.endpoint === 'embeddings').flatMap((r) => r.body.input as string[]);
    expect(sent.length).toBeGreaterThanOrEqual(contexts.length);
    expect(await driver.readOutput('vectordb_ingest')).toHaveLength(contexts.length);
  });

  it('answers a Guardian request with chunks that concatenate to the streamed text', async () => {
    const user = events[0]!.user_id;
    const now = driver.clock.now();
    const question = 'How can I sleep better?';
    await driver.pipeInput('guardian_requests', [
      { key: user, value: { correlation_id: 'llm-1', user_id: user, question, deadline: now + 20_000, created_at: now } },
    ]);
    const response = (await driver.readOutput('guardian_responses')).map((r) => r.value as any).find((r) => r.correlation_id === 'llm-1');
    expect(response.status).toBe('ok');
    const streamed = answer({ model: 'test-chat', messages: [{ role: 'user', content: question }] });
    expect(response.advice).toBe(words(streamed));
    const chunks = (await driver.readOutput('guardian_chunks')).map((r) => r.value as any).filter((c) => c.correlation_id === 'llm-1');
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.at(-1)).toMatchObject({ final: true, text: '' });
    expect(
      chunks
        .slice(0, -1)
        .map((c) => c.text)
        .join(' '),
    ).toBe(words(streamed));
    expect(chunks.length).toBeGreaterThan(2); // 12 words a chunk: the answer took several
    // The prompt carried the user's joined context, through the configured template.
    const chat = server.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
    expect(chat.path).toBe('/v1/chat/completions');
    expect(chat.body).toMatchObject({ model: 'test-chat', stream: true, temperature: 0.2 });
    expect(chat.headers.authorization).toBeUndefined(); // an empty ${LLM_API_KEY:-} sends no key
    const latest = driver.readKeyValueStore<{ version: number }>('user_context')[user]!;
    expect(chat.body.messages[0].content).toMatch(new RegExp(`^Context: Period: .*${latest.version} events\\.`));
    expect(chat.body.messages[1]).toEqual({ role: 'user', content: question });
  });

  it('answers status error, with a final chunk, when the model stream breaks mid-answer', async () => {
    server.fail('chat', { kind: 'drop_after', deltas: 5 });
    const now = driver.clock.now();
    await driver.pipeInput('guardian_requests', [
      { key: 'user-1', value: { correlation_id: 'llm-2', user_id: 'user-1', question: 'Any advice?', deadline: now + 20_000, created_at: now } },
    ]);
    const response = (await driver.readOutput('guardian_responses')).map((r) => r.value as any).find((r) => r.correlation_id === 'llm-2');
    expect(response.status).toBe('error');
    expect(response.error.code).toBe('PROVIDER_FAILED');
    const chunks = (await driver.readOutput('guardian_chunks')).map((r) => r.value as any).filter((c) => c.correlation_id === 'llm-2');
    expect(chunks.at(-1)!.final).toBe(true);
  });
});
