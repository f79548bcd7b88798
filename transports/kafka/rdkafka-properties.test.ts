/**
 * The committed list of librdkafka properties (rdkafka-properties.ts) must be the
 * one of the client we ship: it is compared with the CONFIGURATION.md of the
 * installed @confluentinc/kafka-javascript. After a client upgrade, regenerate it:
 *   UPDATE_RDKAFKA_PROPERTIES=1 npx vitest run transports/kafka/rdkafka-properties.test.ts
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RDKAFKA_PROPERTIES, RDKAFKA_VERSION } from './rdkafka-properties.js';

const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('@confluentinc/kafka-javascript/package.json'));
const MD = path.join(pkgDir, 'deps/librdkafka/CONFIGURATION.md');
const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rdkafka-properties.ts');

function parse(md: string): Record<string, '*' | 'C' | 'P'> {
  const out: Record<string, '*' | 'C' | 'P'> = {};
  for (const line of md.split('\n')) {
    const m = /^([a-z][a-z0-9._]*)\s*\|\s*([*CP])\s*\|/.exec(line);
    if (m) out[m[1]!] = m[2] as '*' | 'C' | 'P';
  }
  return out;
}

function render(props: Record<string, string>, version: string): string {
  const lines = Object.entries(props)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `  '${k}': '${v}',`);
  return `/**
 * Every configuration property of the librdkafka this client ships (global and topic), with
 * whether it applies to consumers (C), producers (P) or both (*). Generated from its
 * CONFIGURATION.md by rdkafka-properties.test.ts, which fails when this list is stale.
 */
export const RDKAFKA_VERSION = '${version}';

export const RDKAFKA_PROPERTIES: Readonly<Record<string, '*' | 'C' | 'P'>> = {
${lines.join('\n')}
};
`;
}

describe('librdkafka property list', () => {
  it('matches the CONFIGURATION.md of the installed client', () => {
    expect(fs.existsSync(MD), `${MD} is missing: the client is installed without its librdkafka sources`).toBe(true);
    const parsed = parse(fs.readFileSync(MD, 'utf8'));
    const version = String((require('@confluentinc/kafka-javascript') as { librdkafkaVersion: string }).librdkafkaVersion);
    expect(Object.keys(parsed).length).toBeGreaterThan(150);
    if (process.env.UPDATE_RDKAFKA_PROPERTIES === '1') fs.writeFileSync(OUT, render(parsed, version));
    expect(RDKAFKA_VERSION).toBe(version);
    expect(RDKAFKA_PROPERTIES).toEqual(parsed);
  });
});
