/**
 * The parts of a generated request for the fuzz suite: who it claims to be
 * (tokens.ts), its body — valid, or wrong in a way that cannot validate, or
 * open (random JSON) — its content type, its Idempotency-Key and extra
 * headers with any latin1 byte. Assembled into requests by requests.ts.
 */
import fc from 'fast-check';
import { FUZZ_USERS, type FuzzUser, type TokenPool } from './tokens.js';

export interface Auth {
  header?: string;
  /** The user the gateway would authenticate, undefined when it must refuse. */
  user?: FuzzUser;
  kind: string;
}

export interface Body {
  bytes: Buffer;
  valid: boolean | 'unknown';
  kind: string;
}

export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

export function authArb(pool: TokenPool): fc.Arbitrary<Auth> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...FUZZ_USERS).map((u): Auth => ({ header: `Bearer ${pool.valid[u]}`, user: u, kind: `valid ${u}` })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...FUZZ_USERS).map((u): Auth => ({ header: `bearer   ${pool.valid[u]}  `, user: u, kind: `valid ${u}, odd spacing` })),
    },
    { weight: 4, arbitrary: fc.constantFrom(...pool.refused).map((t): Auth => ({ header: `Bearer ${t.token}`, kind: t.kind })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Auth>(
        { kind: 'no Authorization' },
        { header: `Basic ${Buffer.from('ana:pw').toString('base64')}`, kind: 'Basic' },
        { header: 'Bearer', kind: 'Bearer without a token' },
        { header: `Bearer ${pool.valid.ana} ${pool.valid.bob}`, kind: 'two tokens' },
        { header: pool.valid.ana, kind: 'token without scheme' },
      ),
    },
  );
}

/** A JSON value nested `depth` deep, as text (built without recursion). */

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

function validBodyArb(route: 'mood' | 'activity' | 'ikigai' | 'advice'): fc.Arbitrary<unknown> {
  const note = fc.option(fc.string({ maxLength: 200 }), { nil: undefined });
  switch (route) {
    case 'mood':
      return fc.record({ score: fc.integer({ min: 1, max: 10 }), note }, { requiredKeys: ['score'] });
    case 'activity':
      return fc.record(
        { kind: fc.constantFrom('exercise', 'sleep', 'work'), minutes: fc.integer({ min: 1, max: 600 }), note },
        { requiredKeys: ['kind', 'minutes'] },
      );
    case 'ikigai':
      return fc.record({ dimensions: fc.constant({ love: 7 }) });
    case 'advice':
      return fc.record({ question: fc.string({ minLength: 1, maxLength: 200 }).filter((q) => q.trim().length > 0) });
  }
}

export function bodyArb(route: 'mood' | 'activity' | 'ikigai' | 'advice'): fc.Arbitrary<Body> {
  const valid = validBodyArb(route);
  const requiredKey = { mood: 'score', activity: 'minutes', ikigai: 'dimensions', advice: 'question' }[route];
  // Values of any type but the one the field has (so the body cannot validate).
  const wrongType = fc.oneof(
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer()),
    ...(route === 'advice' ? [fc.integer()] : [fc.string()]),
    ...(route === 'ikigai' ? [] : [fc.object()]),
  );
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((v): Body => ({ bytes: json(v), valid: true, kind: 'valid' })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, wrongType)
        .map(([v, w]): Body => ({ bytes: json({ ...(v as object), [requiredKey]: w }), valid: false, kind: `wrong type for ${requiredKey}` })),
    },
    {
      weight: 1,
      arbitrary: valid.map((v): Body => ({ bytes: json({ ...(v as object), [requiredKey]: undefined }), valid: false, kind: `missing ${requiredKey}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          valid,
          fc
            .string({ minLength: 1, maxLength: 20 })
            .filter((k) => !['score', 'note', 'kind', 'minutes', 'intensity', 'dimensions', 'question', 'energy', 'emotions', '__proto__'].includes(k)),
          fc.jsonValue(),
        )
        .map(([v, k, x]): Body => ({ bytes: json({ ...(v as object), [k]: x }), valid: false, kind: 'extra property' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer(), fc.constant(null), fc.boolean())
        .map((v): Body => ({ bytes: json(v), valid: false, kind: 'not an object' })),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((v): Body => ({ bytes: json(v), valid: 'unknown', kind: 'random JSON' })) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 20_000 })
        .chain((d) =>
          fc.constantFrom<Body>(
            { bytes: Buffer.from(nested(d, '[', ']')), valid: false, kind: `array nested ${d} deep` },
            { bytes: Buffer.from(nested(d, '{"a":', '}')), valid: false, kind: `object nested ${d} deep` },
            { bytes: Buffer.from(`{"${requiredKey}":${nested(d, '[', ']')}}`), valid: false, kind: `${requiredKey} nested ${d} deep` },
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 17_000, max: 200_000 })
        .map((n): Body => ({ bytes: json({ [requiredKey]: 'x'.repeat(n) }), valid: false, kind: `huge (${n} bytes)` })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map(
        (b): Body => ({
          bytes: Buffer.concat([Buffer.from('{"x":"'), Buffer.from(b), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}')]),
          valid: false,
          kind: 'invalid UTF-8',
        }),
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 500 }).map((b): Body => ({ bytes: Buffer.from(b), valid: false, kind: 'random bytes' })) },
    { weight: 1, arbitrary: valid.map((v): Body => ({ bytes: json(v).subarray(0, -1), valid: false, kind: 'truncated JSON' })) },
    { weight: 1, arbitrary: fc.constant<Body>({ bytes: Buffer.alloc(0), valid: false, kind: 'empty' }) },
  );
}

export const contentTypeArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON')
      .map((t) => ({ value: t as string | undefined, ok: true })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        undefined,
        '',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=zz',
        'application/json; charset=latin1',
        'application/jsonx',
        'json',
        '*/*',
      )
      .map((t) => ({ value: t, ok: false })),
  },
);

export const idempotencyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ value: undefined as string | undefined, ok: true }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,128}$/).map((v) => ({ value: v as string | undefined, ok: true })) },
  { weight: 2, arbitrary: fc.constantFrom('x'.repeat(129), 'a b', '\u00e4\u00f6', '\t', '').map((v) => ({ value: v as string | undefined, ok: false })) },
);

/** Header values without CR/LF (framing is fuzzed separately), latin1 bytes included. */
const headerValueArb = fc.string({ maxLength: 300, unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });

export const extraHeadersArb = fc.array(
  fc.oneof(
    fc.tuple(fc.constant('traceparent'), fc.oneof(headerValueArb, fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))),
    fc.tuple(fc.constant('prefer'), fc.constantFrom('respond-async', 'return=minimal', 'wait=abc', 'wait=')),
    fc.tuple(fc.constant('x-forwarded-for'), headerValueArb),
    fc.tuple(fc.constant('x-aura-peer-token'), fc.oneof(headerValueArb, fc.constant('eyJhbGciOiJIUzI1NiJ9.e30.x'))),
    fc.tuple(fc.constant('x-aura-forwarded-by'), headerValueArb),
    fc.tuple(fc.constant('accept'), headerValueArb),
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,30}$/), headerValueArb),
  ),
  { maxLength: 4 },
);
