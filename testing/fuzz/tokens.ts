/**
 * Bearer tokens for the fuzz suite, signed before the run (fast-check's
 * arbitraries are synchronous): valid ones per user, and every kind the
 * gateway must refuse — forged, expired, not yet valid, unsigned, without
 * `exp`, living too long, algorithm-confused, development tokens, tokens
 * whose user id is unusable, truncated and garbage ones.
 */
import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'hono/jwt';

export const FUZZ_USERS = ['ana', 'bob', 'cid'] as const;
export type FuzzUser = (typeof FUZZ_USERS)[number];

export interface TokenPool {
  valid: Record<FuzzUser, string>;
  /** Tokens no route may accept, by kind. */
  refused: Array<{ kind: string; token: string }>;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export async function tokenPool(secret: string): Promise<TokenPool> {
  const now = Math.floor(Date.now() / 1000);
  const hs = (claims: Record<string, unknown>, key = secret) => sign(claims, key, 'HS256');
  const valid = Object.fromEntries(await Promise.all(FUZZ_USERS.map(async (u) => [u, await hs({ sub: u, iat: now, exp: now + 3600 })]))) as Record<
    FuzzUser,
    string
  >;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const [, payload, signature] = valid.ana.split('.');
  const refused: Array<{ kind: string; token: string }> = [
    { kind: 'forged (another secret)', token: await hs({ sub: 'ana', exp: now + 3600 }, 'not-the-secret-but-long-enough-for-hs256') },
    { kind: 'expired', token: await hs({ sub: 'ana', exp: now - 60 }) },
    { kind: 'not yet valid', token: await hs({ sub: 'ana', nbf: now + 3600, exp: now + 7200 }) },
    { kind: 'issued in the future', token: await hs({ sub: 'ana', iat: now + 3600, exp: now + 7200 }) },
    { kind: 'no exp', token: await hs({ sub: 'ana' }) },
    { kind: 'exp in the year 3000', token: await hs({ sub: 'ana', exp: Math.floor(Date.UTC(3000, 0, 1) / 1000) }) },
    { kind: 'lifetime above the cap', token: await hs({ sub: 'ana', iat: now - 10 * 86_400, exp: now + 60 }) },
    { kind: 'exp not a number', token: await hs({ sub: 'ana', exp: `${now + 60}` }) },
    { kind: 'development token', token: await hs({ sub: 'ana', iat: now, exp: now + 3600, dev: true }) },
    { kind: 'alg none', token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` },
    { kind: 'alg none, signature kept', token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}` },
    { kind: 'RS256 (another algorithm)', token: await sign({ sub: 'ana', exp: now + 3600 }, pem, 'RS256') },
    { kind: 'HS256 with an RSA public key as secret', token: await hs({ sub: 'ana', exp: now + 3600 }, pub) },
    { kind: 'HS512', token: await sign({ sub: 'ana', exp: now + 3600 }, secret, 'HS512') },
    { kind: 'header alg swapped', token: `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}` },
    { kind: 'payload swapped', token: `${valid.ana.split('.')[0]}.${b64({ sub: 'bob', exp: now + 3600 })}.${signature}` },
    { kind: 'crit header', token: `${b64({ alg: 'HS256', typ: 'JWT', crit: ['x'] })}.${payload}.${signature}` },
    { kind: 'no sub', token: await hs({ name: 'ana', exp: now + 3600 }) },
    { kind: 'sub not a string', token: await hs({ sub: 42, exp: now + 3600 }) },
    { kind: 'sub too long', token: await hs({ sub: 'a'.repeat(129), exp: now + 3600 }) },
    { kind: 'sub with control characters', token: await hs({ sub: 'an\u0000a', exp: now + 3600 }) },
    { kind: 'truncated', token: valid.ana.slice(0, -5) },
    { kind: 'two parts', token: valid.ana.split('.').slice(0, 2).join('.') },
    { kind: 'four parts', token: `${valid.ana}.x` },
    { kind: 'payload not JSON', token: `${valid.ana.split('.')[0]}.${b64('not json')}.${signature}` },
    { kind: 'payload not base64url', token: `${valid.ana.split('.')[0]}.%%%%.${signature}` },
    { kind: 'garbage', token: 'not-a-jwt' },
    { kind: 'long garbage', token: 'x'.repeat(6_000) },
  ];
  return { valid, refused };
}
