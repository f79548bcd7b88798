/** The limits documented where operators look: docs/security.md carries the table made from limits.ts, and docs/gateway.md names every variable. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, LIMIT_SETTINGS, limitsTable } from './limits.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('gateway limits', () => {
  it('are documented in docs/security.md exactly as declared', () => {
    expect(read('docs/security.md')).toContain(limitsTable());
  });

  it('each have a positive default, and every variable is named in docs/gateway.md', () => {
    const gatewayDoc = read('docs/gateway.md');
    for (const [key, s] of Object.entries(LIMIT_SETTINGS)) {
      expect(DEFAULT_LIMITS[key as keyof typeof DEFAULT_LIMITS]).toBeGreaterThan(0);
      if ('env' in s) expect(gatewayDoc, s.env).toContain(`\`${s.env}\``);
    }
  });
});
