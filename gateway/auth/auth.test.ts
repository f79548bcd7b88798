/** JWT verification: HS256 and RS256 with an explicit algorithm, algorithm confusion refused, expiry re-checked on cached tokens. */
import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'hono/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from './auth.js';

const SECRET = 'an-hs256-secret-of-at-least-32-characters!';

describe('createAuthenticator', () => {
  afterEach(() => vi.useRealTimers());

  it('verifies HS256 tokens and names the user from `sub`', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET });
    expect(await auth.verifyToken(await sign({ sub: 'ana' }, SECRET, 'HS256'))).toBe('ana');
    await expect(auth.verifyToken(await sign({ sub: 'ana' }, 'x'.repeat(40), 'HS256'))).rejects.toMatchObject({ status: 401 });
    await expect(auth.verifyToken(await sign({ name: 'no sub' }, SECRET, 'HS256'))).rejects.toMatchObject({ status: 401 });
  });

  it('verifies RS256 tokens with a PEM public key and refuses an HS256 token made with that key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const auth = createAuthenticator({ alg: 'RS256', publicKey: pub, issuer: 'https://id.example' });
    expect(await auth.verifyToken(await sign({ sub: 'bob', iss: 'https://id.example' }, priv, 'RS256'))).toBe('bob');
    await expect(auth.verifyToken(await sign({ sub: 'bob', iss: 'https://other.example' }, priv, 'RS256'))).rejects.toMatchObject({ status: 401 });
    // The classic confusion: the public key used as an HMAC secret.
    await expect(auth.verifyToken(await sign({ sub: 'bob', iss: 'https://id.example' }, pub, 'HS256'))).rejects.toMatchObject({ status: 401 });
    expect(() => createAuthenticator({ alg: 'RS256', publicKey: pub, devTokens: true })).toThrow(/HS256/);
  });

  it('re-checks the expiry of a token it verified before', async () => {
    const auth = createAuthenticator({ alg: 'HS256', secret: SECRET });
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ sub: 'cid', exp: now + 60 }, SECRET, 'HS256');
    expect(await auth.verifyToken(token)).toBe('cid');
    vi.useFakeTimers({ now: (now + 120) * 1000 });
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401 });
  });

  it('signs development tokens only when asked to', async () => {
    const dev = createAuthenticator({ alg: 'HS256', secret: SECRET, devTokens: true });
    expect(await dev.verifyToken(await dev.signDevToken('dee', 60))).toBe('dee');
    const prod = createAuthenticator({ alg: 'HS256', secret: SECRET });
    await expect(prod.signDevToken('dee', 60)).rejects.toMatchObject({ status: 404 });
  });
});
