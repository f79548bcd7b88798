/**
 * JWT bearer authentication with hono/jwt's `verify` and an explicit algorithm
 * (never the token's own `alg` header: that is how "alg: none" and HS/RS
 * confusion attacks work). HS256 verifies with a shared secret, RS256 with a
 * public key (PEM). On top of the signature: `exp` is required and the
 * lifetime capped (`maxTtlSeconds`: a token valid until the year 3000 is
 * refused), `nbf`/`iat` are checked when present, `iss`/`aud` when configured,
 * and a development token (`dev: true`) is accepted only by a gateway in
 * development mode. The user is the token's `sub` (or `user_id`) claim; a user
 * reads and writes only their own data. Refusals say what is wrong, never
 * what the token contained.
 */

import { webcrypto } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sign, verify } from 'hono/jwt';
import type { JWTPayload } from 'hono/utils/jwt/types';
import { HttpCodes, HttpError } from '../http-error.js';
import { LIMIT_SETTINGS } from '../limits.js';
import { LruTtl } from '../middleware/lru.js';
import type { GatewayEnv } from '../types.js';

export interface AuthOptions {
  alg: 'HS256' | 'RS256';
  /** HS256: the shared secret. */
  secret?: string;
  /** RS256: the public key, PEM (SPKI, `-----BEGIN PUBLIC KEY-----`). */
  publicKey?: string;
  /** Serve `POST /api/dev/token` and accept its tokens (development only; needs HS256 since it signs). */
  devTokens?: boolean;
  /** Expected `iss` / `aud` claims, when set. */
  issuer?: string;
  audience?: string;
  /** Longest accepted lifetime, seconds (default `AURA_JWT_MAX_TTL`'s). */
  maxTtlSeconds?: number;
}

export interface Authenticator {
  readonly options: AuthOptions;
  /** The Authorization bearer token verified (hono/jwt, explicit algorithm), then `c.get('user')`. */
  middleware(): MiddlewareHandler<GatewayEnv>;
  /** Verifies a raw token (WebSocket upgrades carry it elsewhere); the user id, or throws 401. */
  verifyToken(token: string): Promise<string>;
  /** Signs a development token for `userId` (only when devTokens is on); its lifetime is capped like any token's. */
  signDevToken(userId: string, ttlSeconds: number): Promise<{ token: string; expiresIn: number }>;
}

const MAX_USER_ID = 128;

export function userIdOf(payload: JWTPayload): string {
  const raw = typeof payload.sub === 'string' ? payload.sub : typeof payload.user_id === 'string' ? payload.user_id : undefined;
  // Control characters would corrupt logs and the NUL-separated keys of the stores.
  if (!raw || raw.length > MAX_USER_ID || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw unauthorized('the token has no usable user id (claim "sub", 1 to 128 characters)');
  }
  return raw;
}

/** The key imported once (WebCrypto import on every request costs more than the verification). */
async function importKey(options: AuthOptions): Promise<webcrypto.CryptoKey> {
  if (options.alg === 'HS256') {
    return webcrypto.subtle.importKey('raw', new TextEncoder().encode(options.secret!), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }
  const der = Buffer.from(options.publicKey!.replace(/-+(BEGIN|END)[^-]*-+/g, '').replace(/\s/g, ''), 'base64');
  return webcrypto.subtle.importKey('spki', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
}

export const unauthorized = (message: string, error = 'invalid_token') =>
  new HttpError(401, HttpCodes.UNAUTHORIZED, message, {}, { 'WWW-Authenticate': `Bearer realm="aura", error="${error}"` });

/** hono/jwt's errors quote the token or its claims: each becomes a fixed sentence. */
const REASONS: Record<string, string> = {
  JwtTokenExpired: 'the token has expired',
  JwtTokenNotBefore: 'the token is not valid yet',
  JwtTokenIssuedAt: 'the token was issued in the future',
  JwtTokenSignatureMismatched: 'the token signature does not verify',
  JwtAlgorithmMismatch: 'the token is not signed with the algorithm this gateway accepts',
  JwtHeaderInvalid: 'the token header is not acceptable',
};

function reasonOf(err: unknown): string {
  return REASONS[(err as Error)?.name] ?? 'the token is not a well-formed, signed JWT';
}

/** The checks hono/jwt leaves to us, after the signature verified. */
function checkClaims(payload: JWTPayload, options: AuthOptions, now: number): void {
  const maxTtl = options.maxTtlSeconds ?? LIMIT_SETTINGS.tokenMaxTtlSeconds.default;
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw unauthorized('the token has no expiry (claim "exp" is required)');
  if (payload.exp - now > maxTtl || (typeof payload.iat === 'number' && payload.exp - payload.iat > maxTtl)) {
    throw unauthorized(`the token lives longer than this gateway accepts (at most ${maxTtl} s)`);
  }
  if (options.issuer !== undefined && payload.iss !== options.issuer) throw unauthorized('the token was not issued by the expected issuer');
  if (options.audience !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.includes(options.audience)) throw unauthorized('the token is not meant for this audience');
  }
  if (payload.dev !== undefined && !options.devTokens) throw unauthorized('development tokens are not accepted by this gateway');
}

export function createAuthenticator(options: AuthOptions): Authenticator {
  const key = options.alg === 'HS256' ? options.secret : options.publicKey;
  if (!key) throw new Error(`auth: ${options.alg} needs ${options.alg === 'HS256' ? 'a secret' : 'a public key'}`);
  if (options.devTokens && options.alg !== 'HS256') throw new Error('auth: development tokens need HS256 (the gateway cannot sign with a public key)');
  let cryptoKey: Promise<webcrypto.CryptoKey> | undefined;
  // A client sends the same token with every request: verify it once, re-check only its time claims.
  const verified = new LruTtl<{ user: string; exp: number; nbf?: number; payload: JWTPayload }>(10_000, 10 * 60_000);

  /** The user and the verified claims (routes read optional ones, e.g. `locale`, from `c.get('jwtPayload')`). */
  async function verifyClaims(token: string): Promise<{ user: string; payload: JWTPayload }> {
    const now = Math.floor(Date.now() / 1000);
    const hit = verified.get(token);
    if (hit && hit.exp > now && (hit.nbf === undefined || hit.nbf <= now)) return hit;
    let payload: JWTPayload;
    try {
      payload = await verify(token, await (cryptoKey ??= importKey(options)), { alg: options.alg });
    } catch (err) {
      verified.delete(token);
      throw unauthorized(reasonOf(err));
    }
    checkClaims(payload, options, now);
    const user = userIdOf(payload);
    verified.set(token, { user, exp: payload.exp as number, nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined, payload });
    return { user, payload };
  }

  const verifyToken = async (token: string): Promise<string> => (await verifyClaims(token)).user;

  return {
    options,
    verifyToken,
    middleware() {
      return async (c, next) => {
        const header = c.req.header('authorization');
        const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
        if (!m) throw unauthorized('no bearer token: send Authorization: Bearer <jwt>', header ? 'invalid_request' : 'invalid_token');
        const { user, payload } = await verifyClaims(m[1]!);
        c.set('user', user);
        c.set('jwtPayload', payload);
        await next();
      };
    },
    async signDevToken(userId, ttlSeconds) {
      if (!options.devTokens || !options.secret) throw new HttpError(404, HttpCodes.NOT_FOUND, 'development tokens are off');
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = Math.min(ttlSeconds, options.maxTtlSeconds ?? LIMIT_SETTINGS.tokenMaxTtlSeconds.default);
      const claims = {
        sub: userId,
        iat: now,
        exp: now + expiresIn,
        dev: true,
        ...(options.issuer ? { iss: options.issuer } : {}),
        ...(options.audience ? { aud: options.audience } : {}),
      };
      return { token: await sign(claims, options.secret, 'HS256'), expiresIn };
    },
  };
}

/** 403 unless the path parameter names the authenticated user. */
export function requireSelf(param = 'id'): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (c.req.param(param) !== c.get('user')) throw new HttpError(403, HttpCodes.FORBIDDEN, 'this token may not access the data of another user');
    await next();
  };
}
