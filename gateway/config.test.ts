/** Gateway settings from the environment: which auth mode, and loud failures for ambiguous or weak keys. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from './config.js';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-gw-config-'));
const SECRET = 'x'.repeat(40);
const PEM = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----';

afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

describe('gatewayConfigFromEnv', () => {
  const cfg = (env: Record<string, string>, devWhenUnconfigured = false) => gatewayConfigFromEnv(env, { devWhenUnconfigured, stateDir });

  it('uses HS256 with a secret, RS256 with a public key, and the documented defaults', () => {
    const hs = cfg({ AURA_JWT_SECRET: SECRET });
    expect(hs).toMatchObject({ port: 8080, host: '0.0.0.0', auth: { alg: 'HS256', secret: SECRET, devTokens: false }, devAuth: undefined });
    const rs = cfg({ AURA_JWT_PUBLIC_KEY: PEM.replace(/\n/g, '\\n'), AURA_PORT: '9000', AURA_RATE_LIMIT: '5' });
    expect(rs.auth).toMatchObject({ alg: 'RS256', publicKey: PEM });
    expect(rs.port).toBe(9000);
    expect(rs.limits.ratePerSecond).toBe(5);
  });

  it('turns development auth on when asked, or when allowed and nothing is configured, with a persistent secret', () => {
    expect(cfg({ AURA_JWT_SECRET: SECRET, AURA_DEV_AUTH: '1' })).toMatchObject({ auth: { devTokens: true, secret: SECRET }, devAuth: 'AURA_DEV_AUTH=1' });
    const a = cfg({}, true);
    expect(a.auth.devTokens).toBe(true);
    expect(a.devAuth).toMatch(/no AURA_JWT_SECRET/);
    expect(cfg({}, true).auth.secret).toBe(a.auth.secret);
    expect(() => cfg({})).toThrow(/no JWT key/);
  });

  it('rejects ambiguous, weak or malformed settings', () => {
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_JWT_PUBLIC_KEY: PEM })).toThrow(/not both/);
    expect(() => cfg({ AURA_JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => cfg({ AURA_JWT_PUBLIC_KEY: 'not a pem' })).toThrow(/PEM/);
    expect(() => cfg({ AURA_JWT_PUBLIC_KEY: PEM, AURA_DEV_AUTH: '1' })).toThrow(/HS256/);
    expect(() => cfg({ AURA_JWT_SECRET: SECRET, AURA_RATE_LIMIT: '-1' })).toThrow(/AURA_RATE_LIMIT/);
  });
});
