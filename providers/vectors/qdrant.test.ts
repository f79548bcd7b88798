/**
 * The Qdrant adapter. No Qdrant server can run on the development machine, so:
 *
 * 1. The VectorSink contract suite runs against a real Qdrant whenever
 *    QDRANT_URL is set (e.g. `docker compose -f docker-compose.dev.yml up -d
 *    qdrant`, then `QDRANT_URL=http://localhost:6333 npm test`), each test in a
 *    fresh collection that is deleted afterwards.
 * 2. Always: the same contract suite against a local fake of Qdrant's REST
 *    API (qdrant-fake-server.ts) driven through the real @qdrant/js-client-rest,
 *    and the exact requests the adapter sends (paths, bodies, wait flags,
 *    headers), its retries and its errors. The request bodies are also typed
 *    with the client's `Schemas` in qdrant.ts (compile-time check).
 */
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { type FakeQdrant, startFakeQdrant } from '../../testing/support/qdrant-fake-server.js';
import { describeVectorSinkContract } from '../../testing/support/vector-sink-contract.js';
import { pointId } from '../point-id.js';
import type { VectorPoint } from '../types.js';
import { createQdrantVectorSink, type QdrantVectorSink, type QdrantVectorSinkOptions } from './qdrant.js';

let fake: FakeQdrant;
let seq = 0;
const uniqueCollection = (prefix: string): string => `${prefix}_${process.pid}_${Date.now()}_${seq++}`;

beforeAll(async () => {
  fake = await startFakeQdrant();
});
afterAll(async () => {
  await fake.close();
});

describeVectorSinkContract('Qdrant adapter on a local fake of the Qdrant REST API', async () =>
  createQdrantVectorSink({ url: fake.url, collection: uniqueCollection('contract'), retryBaseDelayMs: 5 }),
);

const QDRANT_URL = process.env.QDRANT_URL?.trim();
describe.skipIf(!QDRANT_URL)('real Qdrant (runs only when QDRANT_URL is set)', () => {
  describeVectorSinkContract(`Qdrant at ${QDRANT_URL}`, async () => {
    const collection = uniqueCollection('aura_contract');
    const sink = createQdrantVectorSink({ url: QDRANT_URL!, apiKey: process.env.QDRANT_API_KEY, collection });
    const admin = new QdrantClient({ url: QDRANT_URL!, apiKey: process.env.QDRANT_API_KEY, checkCompatibility: false });
    return {
      ...sink,
      close: async () => {
        await sink.close();
        await admin.deleteCollection(collection);
      },
    };
  });
});

describe('Qdrant adapter requests (against the fake)', () => {
  const open: QdrantVectorSink[] = [];
  const sink = (options: Partial<QdrantVectorSinkOptions> = {}): QdrantVectorSink => {
    const s = createQdrantVectorSink({ url: fake.url, collection: uniqueCollection('req'), retryBaseDelayMs: 5, ...options });
    open.push(s);
    return s;
  };
  const point = (user: string, end: number, vector: number[]): VectorPoint => ({
    id: pointId(user, end - 10, end),
    vector,
    payload: { user_id: user, window_end: end, summary_text: `${user}@${end}` },
  });
  const since = (n: number) =>
    fake.requests.slice(n).map((r) => `${r.method} ${r.path.replace(/\/collections\/[^/]+/, '/collections/C')}${r.query.wait ? `?wait=${r.query.wait}` : ''}`);
  const failure = async (p: Promise<unknown>): Promise<AuraError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuraError);
    return err as AuraError;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('creates a missing collection (size, Cosine) and a keyword index on user_id, once', async () => {
    const s = sink();
    const n = fake.requests.length;
    await s.ensureCollection(8);
    expect(since(n)).toEqual(['GET /collections/C', 'PUT /collections/C', 'GET /collections/C', 'PUT /collections/C/index?wait=true']);
    expect(fake.requests[n + 1]!.body).toEqual({ vectors: { size: 8, distance: 'Cosine' } } satisfies Schemas['CreateCollection']);
    expect(fake.requests[n + 3]!.body).toEqual({ field_name: 'user_id', field_schema: 'keyword' } satisfies Schemas['CreateFieldIndex']);
    expect(s.dims).toBe(8);
    await Promise.all([s.ensureCollection(8), s.ensureCollection(8)]);
    expect(fake.requests.length).toBe(n + 4);
    // Another instance on the same collection only reads it.
    const other = sink({ collection: s.collection });
    await other.ensureCollection(8);
    expect(since(n + 4)).toEqual(['GET /collections/C']);
  });

  it('fails clearly when the collection exists with another size or distance', async () => {
    const s = sink();
    await s.ensureCollection(8);
    const err = await failure(sink({ collection: s.collection }).ensureCollection(16));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`collection "${s.collection}" holds 8-d vectors, the embedder gives 16-d`);
    const dot = uniqueCollection('dot');
    await new QdrantClient({ url: fake.url, checkCompatibility: false }).createCollection(dot, { vectors: { size: 8, distance: 'Dot' } });
    expect((await failure(sink({ collection: dot }).ensureCollection(8))).message).toContain('uses Dot distance');
  });

  it('upserts in batches of batchSize with wait=true and deterministic ids', async () => {
    const s = sink({ batchSize: 256 });
    await s.ensureCollection(4);
    const points = Array.from({ length: 600 }, (_, i) => point(`u${i % 5}`, i + 1, [1, i % 3, 0, 1]));
    const n = fake.requests.length;
    await s.upsert(points);
    const upserts = fake.requests.slice(n);
    expect(upserts.map((r) => [r.method, r.query.wait, r.body.points.length])).toEqual([
      ['PUT', 'true', 256],
      ['PUT', 'true', 256],
      ['PUT', 'true', 88],
    ]);
    const first = upserts[0]!.body.points[0] as Schemas['PointStruct'];
    expect(first).toEqual({ id: pointId('u0', -9, 1), vector: [1, 0, 0, 1], payload: { user_id: 'u0', window_end: 1, summary_text: 'u0@1' } });
    expect(await s.count()).toBe(600);
    await s.upsert(points.slice(0, 10)); // a replay overwrites
    expect(await s.count()).toBe(600);
    expect(await s.count('u1')).toBe(120);
  });

  it('searches with a user_id filter, limit, score_threshold and payload; counts exactly', async () => {
    const s = sink();
    await s.ensureCollection(3);
    await s.upsert([point('u1', 1, [1, 0, 0]), point('u2', 1, [1, 0, 0])]);
    let n = fake.requests.length;
    const hits = await s.search({ vector: new Float32Array([1, 0, 0]), userId: 'u1', topK: 3, minScore: 0.5 });
    expect(hits).toEqual([{ id: pointId('u1', -9, 1), score: expect.closeTo(1, 5), payload: { user_id: 'u1', window_end: 1, summary_text: 'u1@1' } }]);
    const expected: Schemas['QueryRequest'] = {
      query: [1, 0, 0],
      filter: { must: [{ key: 'user_id', match: { value: 'u1' } }] },
      limit: 3,
      score_threshold: 0.5,
      with_payload: true,
    };
    expect(fake.requests[n]!.body).toEqual(expected);
    expect(since(n)).toEqual(['POST /collections/C/points/query']);
    n = fake.requests.length;
    expect(await s.search({ vector: [0, 1, 0], topK: 2 })).toHaveLength(2);
    expect(fake.requests[n]!.body).toEqual({ query: [0, 1, 0], limit: 2, with_payload: true });
    n = fake.requests.length;
    expect(await s.count('u2')).toBe(1);
    expect(fake.requests[n]!.body).toEqual({ filter: { must: [{ key: 'user_id', match: { value: 'u2' } }] }, exact: true } satisfies Schemas['CountRequest']);
    expect(since(n)).toEqual(['POST /collections/C/points/count']);
  });

  it('answers search and count on a collection not created yet with nothing', async () => {
    const s = sink();
    expect(await s.search({ vector: [1, 0], userId: 'u1', topK: 3 })).toEqual([]);
    expect(await s.count()).toBe(0);
  });

  it('retries 5xx, 429 and dropped connections with backoff, then succeeds', async () => {
    const s = sink({ maxRetries: 4 });
    await s.ensureCollection(2);
    const n = fake.requests.length;
    fake.fail('/points', { kind: 'status', status: 503 }, { kind: 'status', status: 429, retryAfter: '0' }, { kind: 'drop' });
    await s.upsert([point('u1', 1, [1, 0])]);
    // Three failed attempts, then the one that lands.
    expect(since(n)).toEqual(Array.from({ length: 4 }, () => 'PUT /collections/C/points?wait=true'));
    expect(await s.count()).toBe(1);
  });

  it('gives up after maxRetries, and does not retry a 4xx', async () => {
    const s = sink({ maxRetries: 2 });
    await s.ensureCollection(2);
    fake.fail('/points/query', ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500 })));
    const err = await failure(s.search({ vector: [1, 0], topK: 1 }));
    expect(err.code).toBe('PROVIDER_FAILED');
    expect(err.details?.status).toBe(500);
    // A sink that skipped ensureCollection learns the size from Qdrant's 400.
    const blind = sink({ collection: s.collection });
    const n = fake.requests.length;
    const bad = await failure(blind.upsert([point('u1', 1, [1, 0, 0])]));
    expect(bad.retriable).toBe(false);
    expect(bad.message).toContain('Vector dimension error: expected dim: 2, got 3');
    expect(fake.requests.length).toBe(n + 1);
    expect(await s.count()).toBe(0);
  });

  it('times out a hanging request', async () => {
    const s = sink({ timeoutMs: 200, maxRetries: 0 });
    fake.fail('/collections/', { kind: 'hang' });
    const started = Date.now();
    const err = await failure(s.ensureCollection(2));
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports an unreachable Qdrant as a retriable failure', async () => {
    const gone = await startFakeQdrant();
    await gone.close();
    const err = await failure(createQdrantVectorSink({ url: gone.url, collection: 'x', maxRetries: 1, retryBaseDelayMs: 5 }).count());
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('cannot reach Qdrant');
  });

  it('sends the API key in the api-key header', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // the client warns about a key over http
    const secured = await startFakeQdrant({ apiKey: 'k-123' });
    try {
      const ok = createQdrantVectorSink({ url: secured.url, apiKey: 'k-123', collection: 'c' });
      await ok.ensureCollection(2);
      expect(secured.requests.every((r) => r.headers['api-key'] === 'k-123')).toBe(true);
      const err = await failure(createQdrantVectorSink({ url: secured.url, collection: 'c', retryBaseDelayMs: 5 }).count());
      expect(err.details?.status).toBe(401);
      // load() (run by Resources.warmUp at start-up) finds a wrong key before any record does.
      await createQdrantVectorSink({ url: secured.url, apiKey: 'k-123', collection: 'missing' }).load();
      const n = secured.requests.length;
      await expect(createQdrantVectorSink({ url: secured.url, apiKey: 'wrong', collection: 'c' }).load()).rejects.toThrow(/HTTP 401/);
      expect(secured.requests.length).toBe(n + 1); // not retried
    } finally {
      warn.mockRestore();
      await secured.close();
    }
  });
});
