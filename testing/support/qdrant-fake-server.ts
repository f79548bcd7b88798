/**
 * A stand-in for Qdrant's REST API, for tests (no Qdrant server can run on the
 * development machine): real node:http on 127.0.0.1, random port, serving the
 * endpoints @qdrant/js-client-rest calls for the VectorSink — paths and bodies
 * read from the client's dist/esm/openapi/generated_api_client.js:
 *
 *   GET    /collections/{name}                 getCollection
 *   PUT    /collections/{name}                 createCollection
 *   DELETE /collections/{name}                 deleteCollection
 *   PUT    /collections/{name}/index?wait=     createPayloadIndex
 *   PUT    /collections/{name}/points?wait=    upsert
 *   POST   /collections/{name}/points/query    query
 *   POST   /collections/{name}/points/count    count
 *
 * with enough of Qdrant's behaviour for the VectorSink contract suite: cosine
 * (vectors normalised at upsert, as Qdrant does for Cosine), upsert by id,
 * a whole batch rejected on a wrong dimension, `must`/`must_not` filters of
 * `{key, match: {value}}`, score_threshold, limit. Anything else is answered
 * 400 "unsupported", so an adapter change that sends something new fails
 * loudly here. Responses are typed with the client's `Schemas`. Every request
 * is recorded, and scripted faults (status, hang, dropped connection) answer
 * the next requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Schemas } from '@qdrant/js-client-rest';
import { matchesFilter, type StoredPoint, scoreAll } from './qdrant-fake-search.js';

export type QdrantFault = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'hang' } | { kind: 'drop' };

export interface QdrantRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface Collection {
  params: Schemas['VectorParams'];
  points: Map<string, StoredPoint>;
  indexes: Record<string, Schemas['PayloadIndexInfo']>;
}

export interface FakeQdrant {
  readonly url: string;
  readonly requests: QdrantRequest[];
  readonly collections: Map<string, Collection>;
  /** Queues faults, each answering the next request whose path contains `pathPart`. */
  fail(pathPart: string, ...faults: QdrantFault[]): void;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function collectionInfo(c: Collection): Schemas['CollectionInfo'] {
  return {
    status: 'green',
    optimizer_status: 'ok',
    points_count: c.points.size,
    indexed_vectors_count: 0,
    segments_count: 1,
    config: {
      params: { vectors: c.params, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
      optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
    },
    payload_schema: c.indexes,
  };
}

export async function startFakeQdrant(options: { apiKey?: string } = {}): Promise<FakeQdrant> {
  const requests: QdrantRequest[] = [];
  const collections = new Map<string, Collection>();
  const faults: Array<{ pathPart: string; fault: QdrantFault }> = [];
  let operationId = 0;

  const need = (name: string): Collection => {
    const c = collections.get(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  };
  const updated = (wait: boolean): Schemas['UpdateResult'] => ({ operation_id: operationId++, status: wait ? 'completed' : 'acknowledged' });

  function route(req: QdrantRequest): unknown {
    const m = /^\/collections\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!m) throw new HttpError(404, `fake Qdrant: no route ${req.method} ${req.path}`);
    const name = decodeURIComponent(m[1]!);
    const rest = m[2] ?? '';
    const wait = req.query.wait === 'true';
    const key = `${req.method} ${rest}`;
    if (key === 'GET ') return collectionInfo(need(name));
    if (key === 'PUT ') {
      if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
      const v = req.body?.vectors as Schemas['VectorParams'] | undefined;
      if (!v || !Number.isInteger(v.size) || v.size < 1 || !['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(v.distance))
        throw new HttpError(400, 'fake Qdrant: unsupported vectors config');
      collections.set(name, { params: { size: v.size, distance: v.distance }, points: new Map(), indexes: {} });
      return true;
    }
    if (key === 'DELETE ') return collections.delete(name);
    if (key === 'PUT /index') {
      const c = need(name);
      const { field_name, field_schema } = req.body ?? {};
      if (typeof field_name !== 'string' || field_schema !== 'keyword') throw new HttpError(400, 'fake Qdrant: only keyword indexes are supported');
      c.indexes[field_name] = { data_type: 'keyword', points: c.points.size };
      return updated(wait);
    }
    if (key === 'PUT /points') {
      const c = need(name);
      const points = req.body?.points as Schemas['PointStruct'][] | undefined;
      if (!Array.isArray(points)) throw new HttpError(400, 'fake Qdrant: only the {points: [...]} form is supported');
      const stored: StoredPoint[] = points.map((p) => {
        const id = typeof p.id === 'string' ? p.id.toLowerCase() : p.id;
        if (!(typeof id === 'number' ? Number.isInteger(id) && id >= 0 : UUID.test(id)))
          throw new HttpError(400, `Format error in JSON body: value ${id} is not a valid point ID`);
        const vector = p.vector;
        if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number'))
          throw new HttpError(400, 'fake Qdrant: only unnamed dense vectors are supported');
        if (vector.length !== c.params.size)
          throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.params.size}, got ${vector.length}`);
        return {
          id: String(id),
          vector: c.params.distance === 'Cosine' ? unit(vector as number[]) : (vector as number[]),
          payload: (p.payload ?? {}) as Record<string, unknown>,
        };
      });
      for (const p of stored) c.points.set(p.id, p); // the batch is validated first: all or nothing
      return updated(wait);
    }
    if (key === 'POST /points/query') {
      const c = need(name);
      const b = req.body as Schemas['QueryRequest'];
      const known = new Set(['query', 'filter', 'limit', 'score_threshold', 'with_payload']);
      const unknown = Object.keys(b ?? {}).filter((k) => !known.has(k));
      if (unknown.length > 0 || !Array.isArray(b.query)) throw new HttpError(400, `fake Qdrant: unsupported query fields ${unknown.join(', ') || 'query'}`);
      if (b.query.length !== c.params.size)
        throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.params.size}, got ${b.query.length}`);
      const hits = scoreAll(c, unit(b.query as number[]), b.filter, b.limit ?? 10, b.score_threshold ?? undefined);
      const result: Schemas['QueryResponse'] = {
        points: hits.map(({ point, score }) => ({ id: point.id, version: 0, score, ...(b.with_payload ? { payload: point.payload } : {}) })),
      };
      return result;
    }
    if (key === 'POST /points/count') {
      const c = need(name);
      const b = (req.body ?? {}) as Schemas['CountRequest'];
      let count = 0;
      for (const p of c.points.values()) if (matchesFilter(p, b.filter)) count++;
      const result: Schemas['CountResult'] = { count };
      return result;
    }
    throw new HttpError(404, `fake Qdrant: no route ${req.method} ${req.path}`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return send(400, { status: { error: 'Format error in JSON body' } });
      }
      const record: QdrantRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      requests.push(record);
      const at = faults.findIndex((f) => record.path.includes(f.pathPart));
      if (at >= 0) {
        const { fault } = faults.splice(at, 1)[0]!;
        if (fault.kind === 'hang') return;
        if (fault.kind === 'drop') return void req.socket.destroy();
        return send(fault.status, { status: { error: `scripted ${fault.status}` }, time: 0 }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      }
      if (options.apiKey !== undefined && req.headers['api-key'] !== options.apiKey)
        return send(401, { status: { error: 'Must provide an API key or an Authorization bearer token' } });
      try {
        send(200, { result: route(record), status: 'ok', time: 0.0001 });
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500; // HttpError, UnsupportedFilter
        send(status, { status: { error: (err as Error).message }, time: 0 });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    collections,
    fail(pathPart, ...list) {
      for (const fault of list) faults.push({ pathPart, fault });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}
