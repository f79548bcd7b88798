/**
 * Publishing through `app.request()`: what reaches `aura360.user.events`
 * (envelope, key, partition, headers), validation errors with JSON pointers,
 * auth, idempotency, body and rate limits.
 */
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSchemaSet } from '../../schemas/event-schemas.js';
import { type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { GatewayHeaders } from '../headers.js';

describe('POST /api/holistic/*', () => {
  let h: Harness;
  const req = (path: string, init: RequestInit) => h.gateway.app.request(path, init);
  const post = async (path: string, user: string, body: unknown, headers: Record<string, string> = {}) =>
    req(path, { method: 'POST', headers: { ...(await h.auth(user)), ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    h = await startHarness({ engine: false, gateway: { limits: { ratePerSecond: 1, rateBurst: 3, bodyBytes: 2048 } } });
  });
  afterAll(async () => h?.close());

  it('publishes a valid mood entry as a user-event envelope keyed by user, after the log acknowledged it', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await post('/api/holistic/mood-entries/', 'ana', { score: 7, note: 'good day' }, { traceparent });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; partition: number; offset: number; type: string };
    expect(body.type).toBe('user.mood.created');
    const records = await h.readTopic('user_events');
    const rec = records.find((r) => r.headers[GatewayHeaders.eventId] === body.id)!;
    expect(rec).toBeDefined();
    expect(rec.key).toBe('ana');
    expect(rec.partition).toBe(h.transport.partitionFor('ana', h.pipeline.topics.user_events!.partitions));
    expect([rec.partition, rec.offset]).toEqual([body.partition, body.offset]);
    expect(rec.headers[GatewayHeaders.replyTo]).toBe('gw-test');
    expect(rec.headers.traceparent).toBe(traceparent);
    const envelope = JSON.parse(rec.value!.toString());
    expect(envelope).toMatchObject({ id: body.id, type: 'user.mood.created', user_id: 'ana', data: { score: 7, note: 'good day' }, trace: { traceparent } });
    const validate = EventSchemaSet.cached().validator('user-event');
    expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts the three endpoints with or without the trailing slash', async () => {
    const a = await post('/api/holistic/activities', 'ben', { kind: 'exercise', minutes: 30 });
    const b = await post('/api/holistic/ikigai/', 'ben', { dimensions: { love: 8 } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(((await b.json()) as { type: string }).type).toBe('user.ikigai.updated');
  });

  it('answers 400 with every problem as a JSON pointer and a message', async () => {
    const res = await post('/api/holistic/mood-entries/', 'cleo', { energy: 11, emotions: ['ok', ''], mood: 'x' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string }; errors: Array<{ path: string; message: string }> };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const paths = body.errors.map((e) => e.path).sort();
    expect(paths).toEqual(['/emotions/1', '/energy', '/mood', '/score']);
    expect(body.errors.find((e) => e.path === '/score')!.message).toBe('is required');
    const bad = await post('/api/holistic/activities/', 'cleo', '{"kind": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('rejects missing, foreign and unsigned tokens with 401', async () => {
    const none = await req('/api/holistic/mood-entries/', { method: 'POST', body: '{"score":5}', headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const foreign = await sign({ sub: 'dan', exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret', 'HS256');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"dan"}').toString('base64url')}.`;
    for (const t of [foreign, unsigned]) {
      const res = await req('/api/holistic/mood-entries/', {
        method: 'POST',
        body: '{"score":5}',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(401);
    }
    const expired = await sign({ sub: 'dan', exp: Math.floor(Date.now() / 1000) - 10 }, TEST_SECRET, 'HS256');
    expect((await req('/api/holistic/mood-entries/', { method: 'POST', body: '{"score":5}', headers: { authorization: `Bearer ${expired}` } })).status).toBe(
      401,
    );
  });

  it('replays the first answer for a repeated Idempotency-Key and publishes nothing new', async () => {
    const key = { 'idempotency-key': 'mood-2024-01-01' };
    const first = await post('/api/holistic/mood-entries/', 'eva', { score: 4 }, key);
    const again = await post('/api/holistic/mood-entries/', 'eva', { score: 4 }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const id = ((await first.json()) as { id: string }).id;
    expect(((await again.json()) as { id: string }).id).toBe(id);
    const published = (await h.readTopic('user_events')).filter((r) => r.key === 'eva');
    expect(published).toHaveLength(1);
    expect(JSON.parse(published[0]!.value!.toString()).idempotency_key).toBe('mood-2024-01-01');
    const other = await post('/api/holistic/mood-entries/', 'eva', { score: 5 }, key);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_MISMATCH');
  });

  it('answers 409 while a request with the same key is in flight', async () => {
    const headers = { ...(await h.auth('fay')), 'idempotency-key': 'concurrent-1' };
    // The token is verified once (then cached), so both requests reach the key check while the first publishes.
    expect((await req('/api/users/fay/context', { headers })).status).not.toBe(401);
    const send = () => req('/api/holistic/activities/', { method: 'POST', headers, body: JSON.stringify({ kind: 'sleep', minutes: 400 }) });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((a.status === 409 ? a : b).headers.get('retry-after')).toBe('1');
  });

  it('answers 413 above the body limit', async () => {
    const res = await post('/api/holistic/mood-entries/', 'gus', { score: 5, note: 'x'.repeat(4000) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('limits each user separately, with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/api/holistic/mood-entries/', 'hal', { score: 5 })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const limited = await post('/api/holistic/mood-entries/', 'hal', { score: 5 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post('/api/holistic/mood-entries/', 'ivy', { score: 5 })).status).toBe(201);
  });
});
