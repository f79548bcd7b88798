/**
 * The operator API on state stores (operator token: operator-auth.ts), answered
 * wherever the data lives — this instance, or the owner asked through the
 * signed forwarding of auth/cluster.ts:
 *
 *   GET /api/ops/stores                    the stores, and which partitions run here
 *   GET /api/ops/stores/:store/:key        the entry of one key (live store), 404 when none
 *   GET /api/ops/stores/:store?prefix=&limit=&cursor=
 *                                          a page of committed entries over every partition,
 *                                          in partition then key order; `next_cursor` for the next
 *   GET /api/ops/stores/:store?count=true[&prefix=]
 *                                          committed entries per partition and in total
 *   `&partition=N` restricts a scan or count to one partition (what instances ask each other).
 */
import { type Context, Hono } from 'hono';
import { AuraError } from '../../common/errors.js';
import { storeQuery } from '../../runtime/store-query.js';
import type { GatewayDeps } from '../deps.js';
import { FORWARDED_HEADER } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import type { GatewayEnv } from '../types.js';
import { askPeer, forwardable } from './ask-peer.js';
import { requireOperator } from './operator-auth.js';
import {
  MAX_KEY_LENGTH,
  type OperatorStoreCount,
  type OperatorStoreKey,
  type OperatorStorePage,
  type OperatorStorePartitionPage,
  type OperatorStores,
} from './store-operations.js';
import { decodeCursor, encodeCursor, parseScanQuery, type ScanQuery } from './store-params.js';

type Ctx = Context<GatewayEnv>;
type PartitionPage = Omit<OperatorStorePartitionPage, 'store'>;

export function storeRoutes(d: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const q = storeQuery(d.app);
  app.use('*', requireOperator(d));

  app.get('/', (c) => {
    const body: OperatorStores = { instance: d.instanceId, stores: q.stores().map((s) => ({ ...s, partitions_here: q.localPartitions(s.id) })) };
    return c.json(body);
  });

  app.get('/:store/:key', async (c) => {
    const { store, key } = { store: c.req.param('store'), key: c.req.param('key') };
    if (key.length > MAX_KEY_LENGTH) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, `the key is longer than ${MAX_KEY_LENGTH} characters`);
    const info = known(d, store);
    const found = q.get(store, key);
    if (found.entries) {
      if (found.entries.length === 0)
        throw new HttpError(404, HttpCodes.NOT_FOUND, `store ${store} has no entry for this key`, {
          partition: found.partition,
          task: found.taskId,
          instance: d.instanceId,
        });
      const at = { store, key, partition: found.partition, task: found.taskId, instance: d.instanceId };
      const body: OperatorStoreKey =
        info.kind === 'key_value' ? { ...at, kind: info.kind, value: found.entries[0]!.value } : { ...at, kind: info.kind, entries: found.entries };
      return c.json(body);
    }
    notHereTwice(c, d, found.taskId);
    const owner = forwardable(d, found.taskId);
    const answer = await askPeer(d, c.get('user'), owner, `/api/ops/stores/${encodeURIComponent(store)}/${encodeURIComponent(key)}`);
    return c.json(answer.body as object, answer.status as 200, { 'x-aura-forwarded-to': owner.instance });
  });

  app.get('/:store', async (c) => {
    const store = c.req.param('store');
    const info = known(d, store);
    const query = parseScanQuery(c.req.query(), info.partitions);
    if (query.count) return c.json(await count(c, d, store, info.partitions, query));
    if (query.partition !== undefined) {
      const page: OperatorStorePartitionPage = { store, ...(await partitionPage(c, d, store, query.partition, query.after, query)) };
      return c.json(page);
    }
    // Partition by partition from the cursor on, until the page is full.
    let { partition, after } = decodeCursor(query.cursor);
    const entries: OperatorStorePage['entries'] = [];
    let next: string | null = null;
    while (partition < info.partitions) {
      const page = await partitionPage(c, d, store, partition, after, { ...query, limit: query.limit - entries.length });
      for (const e of page.entries) entries.push({ partition, instance: page.instance, ...e });
      if (page.more) {
        next = encodeCursor(partition, page.entries.at(-1)?.key ?? after);
        break;
      }
      partition++;
      after = undefined;
      if (entries.length >= query.limit) {
        next = partition < info.partitions ? encodeCursor(partition, undefined) : null;
        break;
      }
    }
    const page: OperatorStorePage = { store, kind: info.kind, entries, next_cursor: next };
    return c.json(page);
  });
  return app;
}

function known(d: GatewayDeps, store: string) {
  try {
    return storeQuery(d.app).store(store);
  } catch (err) {
    if (err instanceof AuraError) throw new HttpError(404, HttpCodes.NOT_FOUND, err.message);
    throw err;
  }
}

/** A forwarded request is answered here or not at all: no second hop. */
function notHereTwice(c: Ctx, d: GatewayDeps, taskId: string): void {
  if (c.req.header(FORWARDED_HEADER)) {
    throw new HttpError(503, HttpCodes.NOT_OWNER, `task ${taskId} is not on instance ${d.instanceId}`, {}, { 'Retry-After': '1' });
  }
}

function search(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, String(v));
  return `?${p.toString()}`;
}

async function partitionPage(c: Ctx, d: GatewayDeps, store: string, partition: number, after: string | undefined, query: ScanQuery): Promise<PartitionPage> {
  const q = storeQuery(d.app);
  const local = q.scan(store, partition, { prefix: query.prefix, after, limit: query.limit });
  if (local) return { partition, ...local, instance: d.instanceId };
  const taskId = q.taskId(store, partition);
  notHereTwice(c, d, taskId);
  const owner = forwardable(d, taskId);
  const target = `/api/ops/stores/${encodeURIComponent(store)}${search({ partition, limit: query.limit, prefix: query.prefix, after })}`;
  const answer = await askPeer(d, c.get('user'), owner, target);
  const body = answer.body as Partial<PartitionPage> | undefined;
  if (answer.status !== 200 || !Array.isArray(body?.entries) || typeof body.more !== 'boolean') {
    throw new HttpError(503, HttpCodes.UNAVAILABLE, `instance ${owner.instance} could not scan partition ${partition}`, {}, { 'Retry-After': '1' });
  }
  return { partition, entries: body.entries.slice(0, query.limit), more: body.more, instance: owner.instance };
}

async function count(c: Ctx, d: GatewayDeps, store: string, partitions: number, query: ScanQuery): Promise<OperatorStoreCount> {
  const q = storeQuery(d.app);
  const parts = query.partition !== undefined ? [query.partition] : Array.from({ length: partitions }, (_, p) => p);
  const out: Array<{ partition: number; count: number; instance: string }> = [];
  for (const partition of parts) {
    const n = q.count(store, partition, query.prefix);
    if (n !== undefined) {
      out.push({ partition, count: n, instance: d.instanceId });
      continue;
    }
    const taskId = q.taskId(store, partition);
    notHereTwice(c, d, taskId);
    const owner = forwardable(d, taskId);
    const answer = await askPeer(
      d,
      c.get('user'),
      owner,
      `/api/ops/stores/${encodeURIComponent(store)}${search({ count: 'true', partition, prefix: query.prefix })}`,
    );
    const remote = (answer.body as { partitions?: Array<{ count?: unknown }> } | undefined)?.partitions?.[0]?.count;
    if (answer.status !== 200 || typeof remote !== 'number') {
      throw new HttpError(503, HttpCodes.UNAVAILABLE, `instance ${owner.instance} could not count partition ${partition}`, {}, { 'Retry-After': '1' });
    }
    out.push({ partition, count: remote, instance: owner.instance });
  }
  return { store, count: out.reduce((n, p) => n + p.count, 0), partitions: out };
}
