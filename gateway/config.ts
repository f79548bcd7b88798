/**
 * The gateway's settings from the environment (`aura serve`):
 *   AURA_PORT (8080), AURA_HOST (127.0.0.1), AURA_INSTANCE_ID, AURA_ADVERTISED_URL
 *   AURA_JWT_SECRET (HS256) | AURA_JWT_PUBLIC_KEY / AURA_JWT_PUBLIC_KEY_FILE (RS256, PEM)
 *   AURA_JWT_ISSUER, AURA_JWT_AUDIENCE, AURA_DEV_AUTH=1 (development tokens)
 *   AURA_CLUSTER_SECRET (instance-to-instance trust), AURA_TRUST_PROXY (proxy hops)
 *   and every limit of limits.ts (AURA_RATE_LIMIT, AURA_WS_MAX_CONNECTIONS, …).
 * Safe by default: development auth is on only when asked for
 * (AURA_DEV_AUTH=1), or when no key is configured at all *and* the gateway is
 * bound to loopback *and* the caller allows it (the embedded quick start) *and*
 * NODE_ENV is not `production` (the Docker image). A configured key always
 * wins: AURA_DEV_AUTH is then ignored (with a warning), the dev endpoint is off
 * and development tokens are refused. docs/security.md says the same.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { AuthOptions } from './auth/auth.js';
import { type GatewayLimits, LIMIT_SETTINGS } from './limits.js';
import { originOf } from './queries/registry-record.js';

export interface GatewayEnvConfig {
  port: number;
  host: string;
  instanceId?: string;
  advertisedUrl?: string;
  auth: AuthOptions;
  /** Why development auth is on (for the start-up warning), undefined when it is off. */
  devAuth?: string;
  clusterSecret?: string;
  trustProxy: number;
  limits: Partial<GatewayLimits>;
  /** Settings that were ignored or are risky, for the start-up banner. */
  warnings: string[];
}

export interface EnvConfigOptions {
  /** Turn development auth on when no key is configured and the gateway is bound to loopback (the embedded quick start). */
  devWhenUnconfigured: boolean;
  /** Where a generated development secret is kept, so tokens survive a restart. */
  stateDir: string;
}

export const DEFAULT_HOST = '127.0.0.1';

const invalid = (msg: string) => new AuraError(ErrorCodes.CONFIG_INVALID, msg);

function intSetting(env: NodeJS.ProcessEnv, name: string, min = 1): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got "${raw}"`);
  return n;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
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

function secretSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim() || undefined;
  if (v && v.length < 32) throw invalid(`${name} must be at least 32 characters (HS256 needs 256 bits of key)`);
  return v;
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv, options: EnvConfigOptions): GatewayEnvConfig {
  const secret = secretSetting(env, 'AURA_JWT_SECRET');
  let publicKey = env.AURA_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n').trim() || undefined;
  if (!publicKey && env.AURA_JWT_PUBLIC_KEY_FILE) publicKey = fs.readFileSync(env.AURA_JWT_PUBLIC_KEY_FILE, 'utf8').trim();
  if (secret && publicKey) throw invalid('set AURA_JWT_SECRET (HS256) or AURA_JWT_PUBLIC_KEY (RS256), not both');
  if (publicKey && !publicKey.includes('PUBLIC KEY')) throw invalid('AURA_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  const host = env.AURA_HOST?.trim() || DEFAULT_HOST;
  const devAsked = env.AURA_DEV_AUTH === '1' || env.AURA_DEV_AUTH === 'true';
  const limits: Partial<GatewayLimits> = {};
  for (const [key, setting] of Object.entries(LIMIT_SETTINGS)) {
    if ('env' in setting) limits[key as keyof GatewayLimits] = intSetting(env, setting.env);
  }
  const claims = { issuer: env.AURA_JWT_ISSUER || undefined, audience: env.AURA_JWT_AUDIENCE || undefined, maxTtlSeconds: limits.tokenMaxTtlSeconds };
  const warnings: string[] = [];
  let devAuth: string | undefined;
  let auth: AuthOptions;
  if (publicKey || secret) {
    auth = publicKey ? { alg: 'RS256', publicKey, ...claims } : { alg: 'HS256', secret, ...claims };
    if (devAsked) warnings.push('AURA_DEV_AUTH is ignored: a JWT key is configured (no development endpoint, development tokens are refused)');
  } else {
    const implicit = options.devWhenUnconfigured && isLoopback(host) && env.NODE_ENV !== 'production';
    if (!devAsked && !implicit) {
      throw invalid(
        `no JWT key: set AURA_JWT_SECRET (HS256) or AURA_JWT_PUBLIC_KEY (RS256). Development auth turns on by itself only on the embedded log, bound to loopback (AURA_HOST=127.0.0.1, now ${host}), outside NODE_ENV=production; elsewhere set AURA_DEV_AUTH=1 for local development`,
      );
    }
    auth = { alg: 'HS256', secret: devSecret(options.stateDir), devTokens: true, ...claims };
    devAuth = devAsked ? 'AURA_DEV_AUTH=1' : `no JWT key configured, bound to loopback (${host})`;
    if (!isLoopback(host)) warnings.push(`development auth on a non-loopback address (${host}): anyone who can reach it can act as any user`);
  }
  let advertisedUrl = env.AURA_ADVERTISED_URL?.trim() || undefined;
  if (advertisedUrl) {
    const o = originOf(advertisedUrl);
    if ('problem' in o) throw invalid(`AURA_ADVERTISED_URL must be an http(s) origin like http://host:8080: ${o.problem}`);
    advertisedUrl = o.origin;
  }
  return {
    port: intSetting(env, 'AURA_PORT') ?? 8080,
    host,
    instanceId: env.AURA_INSTANCE_ID?.trim() || undefined,
    advertisedUrl,
    auth,
    devAuth,
    clusterSecret: secretSetting(env, 'AURA_CLUSTER_SECRET'),
    trustProxy: intSetting(env, 'AURA_TRUST_PROXY', 0) ?? 0,
    limits,
    warnings,
  };
}
