/**
 * `aura store get|scan|count` against a running instance of the default
 * pipeline (embedded log, real SQLite): offline on its state directory while
 * it runs (read-only, committed state), and through its operator API with
 * `--url` — both give the same answers; missing keys, unknown stores and
 * missing tokens are clear errors.
 */
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auraInProcess } from '../testing/support/aura-in-process.js';
import { eventually, type Harness, startHarness, TEST_SECRET } from '../testing/support/gateway-harness.js';

const USERS = ['ana', 'ben', 'cora', 'cid', 'dee'];
let h: Harness;
let stateDir: string;
let operatorToken: string;
const store = (...args: string[]) => auraInProcess(['store', ...args, '--pipeline', 'pipeline.yaml'], { AURA_VECTOR_DB: ':memory:', KAFKA_BROKERS: '' });
const offline = (...args: string[]) => store(...args, '--state-dir', stateDir);
const online = (...args: string[]) => store(...args, '--url', h.url, '--token', operatorToken);
const lines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { key: string; partition: number; value: { version: number }; window_start?: number });

beforeAll(async () => {
  h = await startHarness({ listen: true });
  stateDir = h.app.stateDir;
  operatorToken = await sign({ sub: 'oncall', role: 'operator', exp: Math.floor(Date.now() / 1000) + 600 }, TEST_SECRET, 'HS256');
  for (const user of USERS) {
    const headers = await h.auth(user);
    for (const [kind, body] of [
      ['mood-entries', { score: 7 }],
      ['activities', { kind: 'exercise', minutes: 30 }],
      ['mood-entries', { score: 4 }],
    ] as const) {
      const res = await fetch(`${h.url}/api/holistic/${kind}/`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    }
  }
  // Committed: the offline reader sees what SQLite holds.
  await eventually(
    async () => {
      const r = await offline('count', 'user_context');
      return r.code === 0 && (JSON.parse(r.out) as { count: number }).count === USERS.length ? true : undefined;
    },
    20_000,
    100,
  );
}, 60_000);
afterAll(async () => h?.close());

describe("aura store, offline on a running instance's state directory", () => {
  it('gets a key with its partition, task and checkpoint', async () => {
    const r = await offline('get', 'user_context', 'ana');
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as {
      key: string;
      partition: number;
      task: string;
      value: { version: number; events: unknown[] };
      checkpoint: Record<string, number>;
    };
    expect(body).toMatchObject({ key: 'ana', partition: h.transport.partitionFor('ana', 6) });
    expect(body.value.version).toBe(3);
    expect(body.value.events).toHaveLength(3);
    expect(Object.keys(body.checkpoint).length).toBeGreaterThan(0);
  });

  it('scans in partition and key order, with a prefix and a limit, and counts', async () => {
    const all = await offline('scan', 'user_context');
    expect(all.code, all.err).toBe(0);
    const entries = lines(all.out);
    expect(entries.map((e) => e.key).sort()).toEqual([...USERS].sort());
    const order = entries.map((e) => [e.partition, e.key] as const);
    expect([...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))).toEqual(order);
    expect(
      lines((await offline('scan', 'user_context', '--prefix', 'c')).out)
        .map((e) => e.key)
        .sort(),
    ).toEqual(['cid', 'cora']);
    expect(lines((await offline('scan', 'user_context', '--limit', '2')).out)).toHaveLength(2);
    const counted = JSON.parse((await offline('count', 'user_context', '--prefix', 'c')).out) as { count: number; partitions: unknown[] };
    expect(counted.count).toBe(2);
    expect(counted.partitions).toHaveLength(6);
  });

  it('reads windowed stores: every window of a key', async () => {
    const r = await eventually(async () => {
      const x = await offline('get', 'mood_with_activity_left', 'ana');
      return x.code === 0 ? x : undefined;
    });
    const body = JSON.parse(r.out) as { kind: string; entries: Array<{ key: string; window_start: number; value: unknown }> };
    expect(body.kind).toBe('window');
    expect(body.entries.length).toBeGreaterThan(0);
    for (const e of body.entries) {
      expect(e.key).toBe('ana');
      expect(typeof e.window_start).toBe('number');
    }
  });

  it('says what is missing: a key, a store', async () => {
    const none = await offline('get', 'user_context', 'nobody-here');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no entry for key "nobody-here"/);
    const unknown = await offline('count', 'no_such_store');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/has no store "no_such_store" \(its stores: user_context/);
    expect((await offline('get', 'user_context')).code).toBe(2);
  });
});

describe('aura store --url, through the operator API', () => {
  it('answers as the state directory does', async () => {
    const get = await online('get', 'user_context', 'ana');
    expect(get.code, get.err).toBe(0);
    const off = JSON.parse((await offline('get', 'user_context', 'ana')).out) as { value: unknown };
    expect((JSON.parse(get.out) as { value: unknown }).value).toEqual(off.value);
    const scan = await online('scan', 'user_context', '--limit', '3');
    expect(scan.code, scan.err).toBe(0);
    expect(lines(scan.out).map((e) => e.key)).toEqual(lines((await offline('scan', 'user_context', '--limit', '3')).out).map((e) => e.key));
    const count = JSON.parse((await online('count', 'user_context')).out) as { count: number };
    expect(count.count).toBe(USERS.length);
    const missing = await online('get', 'user_context', 'nobody-here');
    expect(missing.code).toBe(1);
  });

  it('needs an operator token', async () => {
    const noToken = await auraInProcess(['store', 'count', 'user_context', '--url', h.url], { AURA_OPERATOR_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(/needs an operator token/);
    const userToken = await store('count', 'user_context', '--url', h.url, '--token', await h.token('ana'));
    expect(userToken.code).toBe(1);
    expect(userToken.err).toMatch(/answered 403: the operator API needs an operator token/);
  });
});
