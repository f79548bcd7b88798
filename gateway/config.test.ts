/**
 * Gateway settings from the environment: safe defaults (loopback, no implicit
 * development auth off loopback, in production or in the Docker image), a real
 * key always winning over AURA_DEV_AUTH, every limit read from its variable,
 * and loud failures for ambiguous or weak settings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerfileStages } from '../testing/support/stack-files.js';
import { gatewayConfigFromEnv, isLoopback } from './config.js';
import { LIMIT_SETTINGS } from './limits.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-gw-config-'));
const SECRET = 'x'.repeat(40);
const PEM = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----';

afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

/** The ENV of the Dockerfile's runtime stage, as the container sees it. */
function dockerEnv(): Record<string, string> {
  const runtime = dockerfileStages(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).find((s) => s.name === 'runtime')!;
  const env: Record<string, string> = {};
  for (const i of runtime.instructions.filter((x) => x.instr === 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}

describe('gatewayConfigFromEnv', () => {
  const cfg = (env: Record<string, string>, devWhenUnconfigured = false) => gatewayConfigFromEnv(env, { devWhenUnconfigured, stateDir });

  it('uses HS256 with a secret, RS256 with a public key, and binds loopback by default', () => {
    const hs = cfg({ AURA_JWT_SECRET: SECRET });
    expect(hs).toMatchObject({ port: 8080, host: '127.0.0.1', auth: { alg: 'HS256', secret: SECRET }, devAuth: undefined, trustProxy: 0, warnings: [] });
    expect(hs.auth.devTokens).toBeFalsy();
    const rs = cfg({ AURA_JWT_PUBLIC_KEY: PEM.replace(/\n/g, '\\n'), AURA_PORT: '9000', AURA_HOST: '0.0.0.0' });
    expect(rs.auth).toMatchObject({ alg: 'RS256', publicKey: PEM });
    expect([rs.port, rs.host]).toEqual([9000, '0.0.0.0']);
  });

  it('reads every limit from its variable', () => {
    const env: Record<string, string> = { AURA_JWT_SECRET: SECRET };
    const expected: Record<string, number> = {};
    let n = 7;
    for (const [key, s] of Object.entries(LIMIT_SETTINGS)) {
      if (!('env' in s)) continue;
      env[s.env] = String(++n);
      expected[key] = n;
    }
    const c = cfg(env);
    expect(c.limits).toMatchObject(expected);
    expect(c.auth.maxTtlSeconds).toBe(expected.tokenMaxTtlSeconds);
    expect(cfg({ AURA_JWT_SECRET: SECRET }).limits.wsMaxConnections).toBeUndefined(); // unset: the default applies
  });

  it('turns development auth on by itself only on loopback, outside production, where the caller allows it', () => {
    const a = cfg({}, true);
    expect(a.auth.devTokens).toBe(true);
    expect(a.devAuth).toMatch(/loopback/);
    expect(cfg({}, true).auth.secret).toBe(a.auth.secret); // persisted in the state directory
    expect(cfg({ AURA_HOST: '::1' }, true).auth.devTokens).toBe(true);
    expect(() => cfg({ AURA_HOST: '0.0.0.0' }, true)).toThrow(/no JWT key/);
    expect(() => cfg({ AURA_HOST: '192.168.1.5' }, true)).toThrow(/loopback/);
    expect(() => cfg({ NODE_ENV: 'production' }, true)).toThrow(/production/);
    expect(() => cfg({})).toThrow(/no JWT key/); // Kafka: never implicit
  });

  it('turns it on anywhere when asked explicitly, with a warning off loopback', () => {
    const c = cfg({ AURA_DEV_AUTH: '1', AURA_HOST: '0.0.0.0' });
    expect(c.auth.devTokens).toBe(true);
    expect(c.devAuth).toBe('AURA_DEV_AUTH=1');
    expect(c.warnings.join('\n')).toMatch(/non-loopback/);
  });

  it('lets a configured key win over AURA_DEV_AUTH: no dev tokens, never signed with the real secret', () => {
    const c = cfg({ AURA_JWT_SECRET: SECRET, AURA_DEV_AUTH: '1' });
    expect(c.auth).toMatchObject({ alg: 'HS256', secret: SECRET });
    expect(c.auth.devTokens).toBeFalsy();
    expect(c.devAuth).toBeUndefined();
    expect(c.warnings.join('\n')).toMatch(/AURA_DEV_AUTH is ignored/);
    expect(cfg({ AURA_JWT_PUBLIC_KEY: PEM, AURA_DEV_AUTH: '1' }).auth.devTokens).toBeFalsy();
  });

  it('refuses to start the Docker image without a key unless development auth is explicitly on', () => {
    const env = dockerEnv();
    expect(env.NODE_ENV).toBe('production');
    expect(isLoopback(env.AURA_HOST!)).toBe(false);
    expect(() => cfg(env, true)).toThrow(/no JWT key/);
    expect(() => cfg({ ...env, AURA_HOST: '127.0.0.1' }, true)).toThrow(/production/);
    expect(cfg({ ...env, AURA_DEV_AUTH: '1' }, true).auth.devTokens).toBe(true);
    expect(cfg({ ...env, AURA_JWT_SECRET: SECRET }, true).auth.devTokens).toBeFalsy();
  });

  it('reads the cluster secret, the proxy hops and the advertised origin', () => {
    const c = cfg({ AURA_JWT_SECRET: SECRET, AURA_CLUSTER_SECRET: 'c'.repeat(32), AURA_TRUST_PROXY: '1', AURA_ADVERTISED_URL: 'http://APP:8080/' });
    expect([c.clusterSecret, c.trustProxy, c.advertisedUrl]).toEqual(['c'.repeat(32), 1, 'http://app:8080']);
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_CLUSTER_SECRET: 'short' })).toThrow(/AURA_CLUSTER_SECRET must be at least 32/);
    for (const url of ['ftp://app', 'http://user:pw@app', 'http://app/path', 'not a url']) {
      expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_ADVERTISED_URL: url }), url).toThrow(/AURA_ADVERTISED_URL/);
    }
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_TRUST_PROXY: '-1' })).toThrow(/AURA_TRUST_PROXY/);
  });

  it('rejects ambiguous, weak or malformed settings', () => {
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_JWT_PUBLIC_KEY: PEM })).toThrow(/not both/);
    expect(() => cfg({ AURA_JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => cfg({ AURA_JWT_PUBLIC_KEY: 'not a pem' })).toThrow(/PEM/);
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_RATE_LIMIT: '-1' })).toThrow(/AURA_RATE_LIMIT/);
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_WS_MAX_MESSAGE: '1.5' })).toThrow(/AURA_WS_MAX_MESSAGE/);
  });
});
