/**
 * A VectorSink on a Qdrant collection through @qdrant/js-client-rest. Same
 * contract as the embedded store (testing/support/vector-sink-contract.ts): deterministic
 * point ids (pointId) so a replay overwrites, cosine scores, per-user search.
 *
 * - ensureCollection(dims) creates the collection when missing (size = dims,
 *   Cosine) and a keyword payload index on `user_id` — every search filters
 *   on it, and without the index Qdrant scans; it fails clearly when the
 *   collection exists with another size or distance.
 * - upsert sends batches (256 points) one after the other with `wait: true`,
 *   so a later point with the same id always wins and a resolved upsert is
 *   searchable (ingest commits its offsets after it).
 * - every call is retried with exponential backoff on 5xx, 429, timeouts and
 *   network errors (bounded by maxRetries); a 4xx is not retried.
 *
 * Request bodies are typed with the client's own OpenAPI types (`Schemas`),
 * so a field the server does not know fails the type check, not production.
 */
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { withRetry } from '../http/retry.js';
import type { VectorHit, VectorPayload, VectorPoint, VectorQuery, VectorSink } from '../types.js';
import { classifyQdrantError, qdrantStatus } from './qdrant-errors.js';

export interface QdrantVectorSinkOptions {
  url: string;
  apiKey?: string;
  collection: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Points per upsert request (default 256). */
  batchSize?: number;
  /** Retries of a failed request (default 4). */
  maxRetries?: number;
  /** First backoff delay (default 200 ms). */
  retryBaseDelayMs?: number;
  name?: string;
}

export interface QdrantVectorSink extends VectorSink {
  readonly collection: string;
  /** Vector size of the collection once ensureCollection() has run, else null. */
  readonly dims: number | null;
  /** Reads the collection once (a missing one is fine): a wrong URL or API key fails at start-up, not at the first ingest. */
  load(): Promise<void>;
}

export const USER_ID_FIELD = 'user_id';

export function userFilter(userId: string | undefined): Schemas['Filter'] | undefined {
  return userId === undefined ? undefined : { must: [{ key: USER_ID_FIELD, match: { value: userId } }] };
}

export function createQdrantVectorSink(options: QdrantVectorSinkOptions): QdrantVectorSink {
  const collection = options.collection;
  const name = options.name ?? `qdrant:${collection}`;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 256));
  // checkCompatibility would GET / at construction and console.warn on a version gap: not at start-up.
  const client = new QdrantClient({ url: options.url, apiKey: options.apiKey, timeout: options.timeoutMs ?? 30_000, checkCompatibility: false });
  let dims: number | null = null;
  let closed = false;
  const ensured = new Map<number, Promise<void>>();

  const fail = (message: string, code: AuraError['code'] = ErrorCodes.PROVIDER_FAILED, details?: Record<string, unknown>): never => {
    throw new AuraError(code, `vector store ${name}: ${message}`, { details });
  };
  const call = <T>(what: string, request: () => Promise<T>): Promise<T> => {
    if (closed) fail('closed');
    return withRetry(
      async () => {
        try {
          return await request();
        } catch (err) {
          throw classifyQdrantError(err, `${name}: ${what}`);
        }
      },
      { maxRetries: options.maxRetries ?? 4, baseDelayMs: options.retryBaseDelayMs },
    );
  };
  /** The collection's description, or null when it does not exist. */
  const describe = async (): Promise<Schemas['CollectionInfo'] | null> => {
    try {
      return await call('get collection', () => client.getCollection(collection));
    } catch (err) {
      if (qdrantStatus(err) === 404) return null;
      throw err;
    }
  };

  const checkInfo = (info: Schemas['CollectionInfo'], wanted: number): void => {
    const vectors = info.config.params.vectors;
    if (!vectors || typeof (vectors as Schemas['VectorParams']).size !== 'number') {
      fail(`collection "${collection}" uses named vectors; aura-streams needs a single unnamed vector`, ErrorCodes.CONFIG_INVALID);
    }
    const { size, distance } = vectors as Schemas['VectorParams'];
    if (size !== wanted) {
      fail(
        `collection "${collection}" holds ${size}-d vectors, the embedder gives ${wanted}-d (did the embedder change? use a new collection)`,
        ErrorCodes.CONFIG_INVALID,
        {
          expected: size,
          actual: wanted,
        },
      );
    }
    if (distance !== 'Cosine') fail(`collection "${collection}" uses ${distance} distance, aura-streams needs Cosine`, ErrorCodes.CONFIG_INVALID);
  };

  const ensure = async (wanted: number): Promise<void> => {
    if (!Number.isInteger(wanted) || wanted <= 0) fail(`invalid dimension ${wanted}`);
    let info = await describe();
    if (!info) {
      const create: Schemas['CreateCollection'] = { vectors: { size: wanted, distance: 'Cosine' } };
      try {
        await call('create collection', () => client.createCollection(collection, create));
      } catch (err) {
        // Another instance may have created it meanwhile (409): then check what it created.
        if (!(await describe())) throw err;
      }
      info = await describe();
      if (!info) fail(`collection "${collection}" was created but cannot be read back`);
    }
    checkInfo(info!, wanted);
    if (!info!.payload_schema?.[USER_ID_FIELD]) {
      const index: Schemas['CreateFieldIndex'] = { field_name: USER_ID_FIELD, field_schema: 'keyword' };
      await call('create payload index', () => client.createPayloadIndex(collection, { ...index, wait: true }));
    }
    dims = wanted;
  };

  const toPoint = (p: VectorPoint): Schemas['PointStruct'] => {
    if (typeof p.id !== 'string' || p.id.length === 0) fail('point id must be a non-empty string');
    if (typeof p.payload?.user_id !== 'string') fail(`point ${p.id}: payload.user_id must be a string`);
    if (!Number.isFinite(p.payload.window_end)) fail(`point ${p.id}: payload.window_end must be a number`);
    if (dims !== null && p.vector.length !== dims) {
      fail(`point ${p.id} has ${p.vector.length} dimensions, the collection ${dims}`, ErrorCodes.CONFIG_INVALID, { expected: dims, actual: p.vector.length });
    }
    return { id: p.id, vector: Array.from(p.vector), payload: p.payload };
  };

  return {
    name,
    collection,
    get dims() {
      return dims;
    },
    async load() {
      await describe();
    },
    async ensureCollection(n) {
      let pending = ensured.get(n);
      if (!pending) {
        pending = ensure(n);
        ensured.set(n, pending);
        pending.catch(() => ensured.delete(n)); // a failed attempt may be retried later
      }
      return pending;
    },
    async upsert(points) {
      if (points.length === 0) return;
      // Last occurrence of an id wins, as in the embedded store; validate everything before sending anything.
      const byId = new Map<string, Schemas['PointStruct']>();
      for (const p of points) {
        byId.delete(p.id);
        byId.set(p.id, toPoint(p));
      }
      const all = [...byId.values()];
      for (let i = 0; i < all.length; i += batchSize) {
        const batch: Schemas['PointsList'] = { points: all.slice(i, i + batchSize) };
        await call('upsert', () => client.upsert(collection, { wait: true, ...batch }));
      }
    },
    async search(q: VectorQuery): Promise<VectorHit[]> {
      if (q.topK <= 0) return [];
      if (dims !== null && q.vector.length !== dims)
        fail(`query has ${q.vector.length} dimensions, the collection ${dims}`, ErrorCodes.PROVIDER_FAILED, { expected: dims, actual: q.vector.length });
      const request: Schemas['QueryRequest'] = {
        query: Array.from(q.vector),
        filter: userFilter(q.userId),
        limit: q.topK,
        score_threshold: q.minScore,
        with_payload: true,
      };
      try {
        const { points } = await call('query', () => client.query(collection, request));
        return points.map((p) => ({ id: String(p.id), score: p.score, payload: (p.payload ?? {}) as VectorPayload }));
      } catch (err) {
        if (qdrantStatus(err) === 404) return []; // nothing ingested yet: no collection, no history
        throw err;
      }
    },
    async count(userId) {
      const request: Schemas['CountRequest'] = { filter: userFilter(userId), exact: true };
      try {
        return (await call('count', () => client.count(collection, request))).count;
      } catch (err) {
        if (qdrantStatus(err) === 404) return 0;
        throw err;
      }
    },
    async close() {
      // The client holds no resource worth releasing (its keep-alive sockets time out on their own).
      closed = true;
    },
  };
}
