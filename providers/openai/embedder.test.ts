/**
 * The OpenAI-compatible embedder against the local protocol server: the
 * request it sends, batching, ordering, normalisation, the concurrency cap,
 * retries on 5xx / 429 (Retry-After), no retry on 4xx, timeouts, close().
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { type OpenAiTestServer, startOpenAiTestServer } from '../../testing/support/openai-server.js';
import type { Embedder } from '../types.js';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './embedder.js';

let server: OpenAiTestServer;
const open: Embedder[] = [];

beforeAll(async () => {
  server = await startOpenAiTestServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  server.requests.length = 0;
  server.options = {};
});

function embedder(options: Partial<OpenAiEmbedderOptions> = {}): Embedder {
  const e = createOpenAiEmbedder({ url: server.url, model: 'nomic-embed-text', retryBaseDelayMs: 10, ...options });
  open.push(e);
  return e;
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const rejection = async (p: Promise<unknown>): Promise<AuraError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuraError);
  return err as AuraError;
};

describe('OpenAI-compatible embedder', () => {
  it('returns unit vectors in input order and learns its size from the first answer', async () => {
    const e = embedder();
    expect(e.dims).toBe(0);
    const texts = ['slept badly, anxious before the exam', 'a long run in the park', 'calm evening with friends'];
    const vectors = await e.embed(texts);
    expect(e.dims).toBe(16);
    // The server embeds with the hashing embedder, scaled by 3 and listed in reverse order.
    const expected = await createHashingEmbedder({ dims: 16 }).embed(texts);
    vectors.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(Array.from(v)).toEqual(Array.from(expected[i]!).map((x) => expect.closeTo(x, 5)));
    });
    expect(await e.embed([])).toEqual([]);
  });

  it('sends model, input and dimensions with the API key, to {url}/v1/embeddings with or without /v1', async () => {
    const e = embedder({ url: `${server.url}/v1/`, apiKey: 'sk-test', dimensions: 8 });
    expect(e.dims).toBe(8);
    const [v] = await e.embed(['hello']);
    expect(v).toHaveLength(8);
    const [req] = server.requests;
    expect(req!.path).toBe('/v1/embeddings');
    expect(req!.headers.authorization).toBe('Bearer sk-test');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({ model: 'nomic-embed-text', input: ['hello'], dimensions: 8 });
  });

  it('splits large inputs into batches and keeps the order across them', async () => {
    const e = embedder({ batchSize: 64 });
    const texts = Array.from({ length: 150 }, (_, i) => `note number ${i} about sleep ${i % 7}`);
    const vectors = await e.embed(texts);
    expect(server.requests.map((r) => r.body.input.length)).toEqual([64, 64, 22]);
    const expected = await createHashingEmbedder({ dims: 16 }).embed(texts);
    for (const i of [0, 63, 64, 127, 128, 149]) expect(vectors[i]![0]).toBeCloseTo(expected[i]![0]!, 5);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    server.options = { delayMs: 40 };
    const e = embedder({ batchSize: 1, concurrency: 2 });
    const before = { ...server.maxConcurrent };
    server.maxConcurrent.embeddings = 0;
    const vectors = await e.embed(Array.from({ length: 8 }, (_, i) => `text ${i}`));
    expect(vectors).toHaveLength(8);
    expect(server.requests).toHaveLength(8);
    expect(server.maxConcurrent.embeddings).toBe(2);
    server.maxConcurrent.embeddings = before.embeddings;
  });

  it('retries a 500, then succeeds', async () => {
    server.fail('embeddings', { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const vectors = await embedder({ maxRetries: 3 }).embed(['x']);
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('waits as long as a 429 Retry-After asks before retrying', async () => {
    server.fail('embeddings', { kind: 'status', status: 429, retryAfter: '1' });
    const started = Date.now();
    await embedder().embed(['x']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with the server status', async () => {
    server.fail('embeddings', ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 502, message: 'bad gateway' })));
    const err = await rejection(embedder({ maxRetries: 2 }).embed(['x']));
    expect(err.code).toBe('PROVIDER_FAILED');
    expect(err.details?.status).toBe(502);
    expect(err.message).toContain('bad gateway');
    expect(server.requests).toHaveLength(3);
    // The two faults left are used by the next call's two attempts.
    await rejection(embedder({ maxRetries: 1 }).embed(['x']));
    expect(server.requests).toHaveLength(5);
  });

  it('does not retry a 4xx (bad key, bad model)', async () => {
    server.fail('embeddings', { kind: 'status', status: 401, message: 'invalid api key' });
    const err = await rejection(embedder({ maxRetries: 3 }).embed(['x']));
    expect(err.retriable).toBe(false);
    expect(err.message).toContain('invalid api key');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging request, and retries it', async () => {
    server.fail('embeddings', { kind: 'hang' });
    const started = Date.now();
    const err = await rejection(embedder({ timeoutMs: 150, maxRetries: 0 }).embed(['x']));
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    server.fail('embeddings', { kind: 'hang' });
    expect(await embedder({ timeoutMs: 150, maxRetries: 1 }).embed(['x'])).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('fails when the model changes vector size under it', async () => {
    const e = embedder();
    await e.embed(['a']);
    server.options = { dims: 12 };
    const err = await rejection(e.embed(['b']));
    expect(err.message).toContain('12-d vector, expected 16-d');
  });

  it('reports an unreachable server as a retriable failure', async () => {
    const gone = await startOpenAiTestServer();
    await gone.close();
    const err = await rejection(createOpenAiEmbedder({ url: gone.url, model: 'm', maxRetries: 1, retryBaseDelayMs: 5 }).embed(['x']));
    expect(err.code).toBe('PROVIDER_FAILED');
    expect(err.retriable).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('aborts what is in flight on close()', async () => {
    server.options = { delayMs: 10_000 };
    const e = embedder();
    const started = Date.now();
    const pending = e.embed(['x']);
    await new Promise((r) => setTimeout(r, 50));
    await e.close();
    const err = await rejection(pending);
    expect(err.message).toContain('aborted');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(e.embed(['y'])).rejects.toThrow('closed');
  });
});
