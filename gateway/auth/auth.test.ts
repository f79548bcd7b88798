/**
 * JWT verification: HS256 and RS256 with an explicit algorithm, algorithm
 * confusion refused, `exp` required and the lifetime capped, expiry re-checked
 * on cached tokens, development tokens only in development mode, and refusals
 * that never quote the token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'hono/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from './auth.js';

const SECRET = 'an-hs256-secret-of-at-least-32-characters!';
const now = () => Math.floor(Date.now() / 1000);
const hour = () => now() + 3600;

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { status: number; message: string } | undefined;
  expect(err, 'expected the token to be refused').toBeDefined();
  return err!;
}

describe('createAuthenticator', () => {
  afterEach(() => vi.useRealTimers());

  it('verifies HS256 tokens and names the user from `sub`', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET });
    expect(await auth.verifyToken(await sign({ sub: 'ana', exp: hour() }, SECRET, 'HS256'))).toBe('ana');
    expect((await refusal(auth.verifyToken(await sign({ sub: 'ana', exp: hour() }, 'x'.repeat(40), 'HS256')))).status).toBe(401);
    expect((await refusal(auth.verifyToken(await sign({ name: 'no sub', exp: hour() }, SECRET, 'HS256')))).status).toBe(401);
  });

  it('verifies RS256 tokens with a PEM public key and refuses an HS256 token made with that key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const auth = createAuthenticator({ alg: 'RS256', publicKey: pub, issuer: 'https://id.example' });
    expect(await auth.verifyToken(await sign({ sub: 'bob', iss: 'https://id.example', exp: hour() }, priv, 'RS256'))).toBe('bob');
    expect((await refusal(auth.verifyToken(await sign({ sub: 'bob', iss: 'https://other.example', exp: hour() }, priv, 'RS256')))).message).not.toContain(
      'other.example',
    );
    // The classic confusion: the public key used as an HMAC secret.
    expect((await refusal(auth.verifyToken(await sign({ sub: 'bob', iss: 'https://id.example', exp: hour() }, pub, 'HS256')))).status).toBe(401);
    expect(() => createAuthenticator({ alg: 'RS256', publicKey: pub, devTokens: true })).toThrow(/HS256/);
  });

  it('requires `exp` and caps the lifetime', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET, maxTtlSeconds: 3600 });
    expect((await refusal(auth.verifyToken(await sign({ sub: 'cid' }, SECRET, 'HS256')))).message).toMatch(/exp/);
    const year3000 = Math.floor(Date.UTC(3000, 0, 1) / 1000);
    expect((await refusal(auth.verifyToken(await sign({ sub: 'cid', exp: year3000 }, SECRET, 'HS256')))).message).toMatch(/longer/);
    // Issued long ago with a long lifetime: refused even though little of it is left.
    expect((await refusal(auth.verifyToken(await sign({ sub: 'cid', iat: now() - 86_400, exp: now() + 60 }, SECRET, 'HS256')))).message).toMatch(/longer/);
    expect((await refusal(auth.verifyToken(await sign({ sub: 'cid', exp: 'soon' as unknown as number }, SECRET, 'HS256')))).status).toBe(401);
    expect(await auth.verifyToken(await sign({ sub: 'cid', iat: now(), exp: now() + 3000 }, SECRET, 'HS256'))).toBe('cid');
    const defaults = createAuthenticator({ alg: 'HS256', secret: SECRET });
    expect(await defaults.verifyToken(await sign({ sub: 'cid', exp: now() + 23 * 3600 }, SECRET, 'HS256'))).toBe('cid');
    expect((await refusal(defaults.verifyToken(await sign({ sub: 'cid', exp: now() + 25 * 3600 }, SECRET, 'HS256')))).status).toBe(401);
  });

  it('re-checks the expiry of a token it verified before', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET });
    const t0 = now();
    const token = await sign({ sub: 'cid', exp: t0 + 60 }, SECRET, 'HS256');
    expect(await auth.verifyToken(token)).toBe('cid');
    vi.useFakeTimers({ now: (t0 + 120) * 1000 });
    await refusal(auth.verifyToken(token));
  });

  it('never quotes the token or its claims in a refusal', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET, audience: 'aura-app' });
    const marker = 'SECRET-MARKER-42';
    const tokens = [
      await sign({ sub: marker, exp: now() - 10 }, SECRET, 'HS256'),
      await sign({ sub: marker, exp: hour(), aud: marker }, SECRET, 'HS256'),
      await sign({ sub: marker, exp: hour() }, 'y'.repeat(40), 'HS256'),
      await sign({ sub: marker, nbf: hour(), exp: hour() }, SECRET, 'HS256'),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${marker}"}`).toString('base64url')}.`,
      `${marker}.${marker}.${marker}`,
      marker,
    ];
    for (const t of tokens) {
      const err = await refusal(auth.verifyToken(t));
      expect(err.status).toBe(401);
      expect(err.message).not.toContain(marker);
      expect(err.message).not.toContain(t.slice(0, 20));
    }
  });

  it('signs development tokens only in development mode, and only such a gateway accepts them', async () => {
    const dev = createAuthenticator({ alg: 'HS256', secret: SECRET, devTokens: true, maxTtlSeconds: 600 });
    const { token, expiresIn } = await dev.signDevToken('dee', 24 * 3600);
    expect(expiresIn).toBe(600);
    expect(await dev.verifyToken(token)).toBe('dee');
    // Same secret, but a gateway with a real key: the endpoint is off and the token refused.
    const prod = createAuthenticator({ alg: 'HS256', secret: SECRET });
    expect((await refusal(prod.signDevToken('dee', 60))).status).toBe(404);
    expect((await refusal(prod.verifyToken(token))).message).toMatch(/development/);
  });
});
