/**
 * The contract check fails when it should: an undeclared status, a missing
 * Retry-After, a body that does not match, an undeclared content type, a 500
 * anywhere; it accepts what the document declares (an unknown route's 404,
 * an accepted upgrade). The WebSocket server's raw refusals — written on the
 * socket before any route runs — are held to the document here, since the
 * middleware never sees them. And the language tags the advice schema
 * accepts are exactly those the route understands.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/generated-files.js';
import { createLogger } from '../../common/logger.js';
import { languageOf } from '../../providers/advisors/language.js';
import { type Harness, startHarness } from '../../testing/support/gateway-harness.js';
import { handshake, rawRequest } from '../../testing/support/raw-http.js';
import { LANGUAGE_TAG_PATTERN } from '../routes/guardian.js';
import { ContractChecker, checkResponses, type Exchange } from './check.js';
import type { ContractViolation } from './violations.js';

const doc = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8'));
const checker = new ContractChecker(doc);
const json = { 'content-type': 'application/json' };
const x = (method: string, p: string, status: number, body: unknown, headers: Record<string, string> = json, upgraded = false): Exchange => ({
  method,
  path: p,
  status,
  headers: new Headers(headers),
  body: typeof body === 'string' ? body : JSON.stringify(body),
  upgraded,
});
const error = (code: string) => ({ error: { code, message: 'm' } });
const published = {
  id: '0b6f3b5e-4b8e-4f39-9a57-6a3f8d3f3c11',
  type: 'user.mood.created',
  user_id: 'ana',
  time: '2025-01-07T10:00:00.000Z',
  partition: 1,
  offset: 2,
};

describe('ContractChecker', () => {
  it('accepts declared answers, with or without the trailing slash', () => {
    expect(checker.check(x('POST', '/api/holistic/mood-entries/', 201, published))).toEqual([]);
    expect(checker.check(x('POST', '/api/holistic/mood-entries', 201, published))).toEqual([]);
    expect(checker.check(x('POST', '/api/holistic/mood-entries', 503, error('TRANSPORT_FAILED'), { ...json, 'retry-after': '1' }))).toEqual([]);
    expect(checker.check(x('GET', '/api/users/ana/context', 404, error('NOT_FOUND')))).toEqual([]);
    expect(checker.check(x('GET', '/nowhere', 404, error('NOT_FOUND')))).toEqual([]);
    expect(checker.check(x('DELETE', '/healthz', 404, error('NOT_FOUND')))).toEqual([]);
    expect(checker.check(x('GET', '/ws', 200, '', {}, true))).toEqual([]);
    expect(checker.check(x('GET', '/metrics', 200, '# HELP x\n', { 'content-type': 'text/plain; version=0.0.4' }))).toEqual([]);
  });

  it('refuses undeclared statuses (a 500 included), missing Retry-After, wrong codes, bodies and content types', () => {
    expect(checker.check(x('POST', '/api/holistic/mood-entries/', 200, published))).toEqual([expect.stringMatching(/^status 200 is not declared/)]);
    expect(checker.check(x('GET', '/api/users/ana/context', 500, error('INTERNAL')))).toEqual([expect.stringMatching(/^status 500 is not declared/)]);
    expect(checker.check(x('GET', '/nowhere', 500, error('INTERNAL')))).toEqual([expect.stringMatching(/^status 500 is not declared/)]);
    expect(checker.check(x('POST', '/api/holistic/activities/', 429, error('RATE_LIMITED')))).toEqual(['header Retry-After is required']);
    expect(checker.check(x('POST', '/api/holistic/activities/', 429, error('RATE_LIMITED'), { ...json, 'retry-after': 'soon' }))[0]).toMatch(
      /^header Retry-After: "soon"/,
    );
    expect(checker.check(x('POST', '/api/holistic/activities/', 409, error('RATE_LIMITED'), { ...json, 'retry-after': '1' }))[0]).toMatch(
      /body\/error\/code must be equal to one of the allowed values/,
    );
    expect(checker.check(x('POST', '/api/holistic/ikigai/', 201, { ...published, partition: -1 }))[0]).toMatch(/body\/partition must be >= 0/);
    expect(checker.check(x('POST', '/api/holistic/ikigai/', 201, { ...published, extra: true }))[0]).toMatch(/must NOT have additional properties/);
    expect(checker.check(x('POST', '/api/holistic/ikigai/', 201, published, { 'content-type': 'text/html' }))[0]).toMatch(
      /content type "text\/html" is not declared/,
    );
    expect(checker.check(x('POST', '/api/holistic/ikigai/', 201, 'not json'))[0]).toMatch(/the body is not JSON/);
    expect(checker.check(x('GET', '/ws', 200, ''))).toEqual([expect.stringMatching(/^status 200 is not declared/)]);
  });

  it('as middleware, reports what a route answers outside its contract', async () => {
    const seen: ContractViolation[] = [];
    const app = new Hono();
    app.use(
      '*',
      checkResponses(
        () => checker,
        createLogger('test', 'silent'),
        (v) => seen.push(v),
      ),
    );
    app.get('/healthz', (c) => c.json({ status: 'ok', instance: 'gw' }));
    app.get('/topology/stats', (c) => c.json({ at: 1 }));
    expect((await app.request('/healthz')).status).toBe(200);
    expect(seen).toEqual([]);
    expect((await app.request('/topology/stats')).status).toBe(200); // the answer itself is untouched
    expect(seen).toMatchObject([
      { source: 'http', method: 'GET', path: '/topology/stats', status: 200, problems: [expect.stringMatching(/must have required property 'instance'/)] },
    ]);
  });
});

describe("the WebSocket server's raw refusals", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ listen: true, engine: false, gateway: { limits: { anonRatePerSecond: 1, anonRateBurst: 8 } } });
  });
  afterAll(async () => h?.close());

  it('are answers the document declares for the handshake routes', async () => {
    const port = Number(new URL(h.url).port);
    const cases: Array<[string, string, number]> = [
      ['/ws', handshake('/ws').replace('GET', 'POST'), 405],
      ['/ws', handshake('/ws', [], { version: '8' }), 426],
      ['/ws', handshake('/ws', [], { key: 'short' }), 400],
      ['/topology/live', handshake('/topology/live').replace('HTTP/1.1', 'HTTP/1.0'), 400],
      ['/topology/live', handshake('/topology/live', ['Sec-WebSocket-Protocol: a,,b']), 400],
      ['/ws', handshake('/ws'), 401],
    ];
    for (const [p, request, status] of cases) {
      const res = await rawRequest(port, request);
      expect(res.status, request.split('\r\n')[0]).toBe(status);
      expect(
        checker.check({ method: 'GET', path: p, status: res.status, headers: new Headers(res.headers), body: res.body }),
        request.split('\r\n')[0],
      ).toEqual([]);
    }
    let limited: Awaited<ReturnType<typeof rawRequest>> | undefined;
    for (let i = 0; i < 10 && limited?.status !== 429; i++) limited = await rawRequest(port, handshake('/topology/live'));
    expect(limited!.status).toBe(429);
    expect(checker.check({ method: 'GET', path: '/topology/live', status: 429, headers: new Headers(limited!.headers), body: limited!.body })).toEqual([]);
  });
});

describe('the language tag of an advice request', () => {
  const pattern = new RegExp(LANGUAGE_TAG_PATTERN, 'u');
  it('matches the schema exactly when the route understands it', () => {
    for (const tag of ['es', 'ES', 'es-MX', 'es_419', 'en-GB', 'en_US.UTF-8', ' en', 'EN-us']) expect(pattern.test(tag), tag).toBe(true);
    for (const tag of ['fr', 'esp', 'eng', '', '*', 'e', 'x-es']) expect(pattern.test(tag), tag).toBe(false);
    const tags = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc
        .tuple(fc.constantFrom('es', 'en', 'ES', 'En', 'fr', 'esp'), fc.constantFrom('', '-', '_', '.', '@', ' ', 'x'), fc.string({ maxLength: 6 }))
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(tags, (tag) => pattern.test(tag) === (languageOf(tag) !== undefined)),
      { numRuns: 2000 },
    );
  });
});
