/**
 * The gateway's settings from the environment (`aura serve`):
 *   AURA_PORT (8080), AURA_HOST (0.0.0.0), AURA_INSTANCE_ID, AURA_ADVERTISED_URL
 *   AURA_JWT_SECRET (HS256) | AURA_JWT_PUBLIC_KEY / AURA_JWT_PUBLIC_KEY_FILE (RS256, PEM)
 *   AURA_JWT_ISSUER, AURA_JWT_AUDIENCE, AURA_DEV_AUTH=1 (development tokens)
 *   AURA_RATE_LIMIT (requests/s per user), AURA_RATE_BURST, AURA_BODY_LIMIT (bytes),
 *   AURA_ADVICE_DEADLINE_MS, AURA_STREAM_BUFFER (messages kept per user)
 * Development auth is on when asked for, or — only where the caller allows it
 * (the embedded quick start) — when no key is configured at all.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { AuthOptions } from './auth/auth.js';
import type { GatewayLimits } from './types.js';

export interface GatewayEnvConfig {
  port: number;
  host: string;
  instanceId?: string;
  advertisedUrl?: string;
  auth: AuthOptions;
  /** Why development auth is on (for the start-up warning), undefined when it is off. */
  devAuth?: string;
  limits: Partial<GatewayLimits>;
}

export interface EnvConfigOptions {
  /** Turn development auth on when no key is configured (the embedded quick start). */
  devWhenUnconfigured: boolean;
  /** Where a generated development secret is kept, so tokens survive a restart. */
  stateDir: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new AuraError(ErrorCodes.CONFIG_INVALID, `${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The development secret of this state directory, created on first use (mode 0600). */
export function devSecret(stateDir: string): string {
  const file = path.join(stateDir, 'dev-jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(stateDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv, options: EnvConfigOptions): GatewayEnvConfig {
  const secret = env.AURA_JWT_SECRET?.trim() || undefined;
  let publicKey = env.AURA_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n').trim() || undefined;
  if (!publicKey && env.AURA_JWT_PUBLIC_KEY_FILE) publicKey = fs.readFileSync(env.AURA_JWT_PUBLIC_KEY_FILE, 'utf8').trim();
  if (secret && publicKey) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'set AURA_JWT_SECRET (HS256) or AURA_JWT_PUBLIC_KEY (RS256), not both');
  if (publicKey && !publicKey.includes('PUBLIC KEY')) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'AURA_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  if (secret && secret.length < 32) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'AURA_JWT_SECRET must be at least 32 characters (HS256 needs 256 bits of key)');
  const devAsked = env.AURA_DEV_AUTH === '1' || env.AURA_DEV_AUTH === 'true';
  let devAuth: string | undefined;
  let auth: AuthOptions;
  const claims = { issuer: env.AURA_JWT_ISSUER || undefined, audience: env.AURA_JWT_AUDIENCE || undefined };
  if (publicKey) {
    if (devAsked) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'AURA_DEV_AUTH needs HS256: the gateway cannot sign tokens with a public key');
    auth = { alg: 'RS256', publicKey, ...claims };
  } else if (secret) {
    auth = { alg: 'HS256', secret, devTokens: devAsked, ...claims };
    if (devAsked) devAuth = 'AURA_DEV_AUTH=1';
  } else if (devAsked || options.devWhenUnconfigured) {
    auth = { alg: 'HS256', secret: devSecret(options.stateDir), devTokens: true, ...claims };
    devAuth = devAsked ? 'AURA_DEV_AUTH=1' : 'no AURA_JWT_SECRET or AURA_JWT_PUBLIC_KEY configured';
  } else {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, 'no JWT key: set AURA_JWT_SECRET (HS256) or AURA_JWT_PUBLIC_KEY (RS256), or AURA_DEV_AUTH=1 for local development');
  }
  return {
    port: env.AURA_PORT?.trim() ? (positiveInt(env, 'AURA_PORT') ?? 8080) : 8080,
    host: env.AURA_HOST?.trim() || '0.0.0.0',
    instanceId: env.AURA_INSTANCE_ID?.trim() || undefined,
    advertisedUrl: env.AURA_ADVERTISED_URL?.trim() || undefined,
    auth,
    devAuth,
    limits: {
      ratePerSecond: positiveInt(env, 'AURA_RATE_LIMIT'),
      rateBurst: positiveInt(env, 'AURA_RATE_BURST'),
      bodyBytes: positiveInt(env, 'AURA_BODY_LIMIT'),
      adviceDeadlineMs: positiveInt(env, 'AURA_ADVICE_DEADLINE_MS'),
      streamBufferPerUser: positiveInt(env, 'AURA_STREAM_BUFFER'),
    },
  };
}
