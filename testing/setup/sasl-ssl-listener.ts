/**
 * vitest globalSetup (after kafka-broker.ts): the client settings of the local
 * broker's SASL_SSL listener (scripts/kafka.sh makes its CA, certificate and
 * PLAIN/SCRAM users at start), for the tests of the Confluent Cloud path. Read
 * with `inject('kafkaSaslSsl')`: KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL,
 * KAFKA_SSL_CA_LOCATION and the two users. Null when the suite runs against an
 * external KAFKA_BROKERS, which has no such listener (CI never does).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaSaslSsl: Record<string, string> | null;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function setup(project: TestProject): void {
  if (process.env.KAFKA_BROKERS?.trim()) {
    console.warn('[kafka] KAFKA_BROKERS is external: the SASL_SSL tests (transports/kafka/sasl-ssl.kafka.test.ts) are left out');
    project.provide('kafkaSaslSsl', null);
    return;
  }
  let out: string;
  try {
    out = execFileSync(path.join(ROOT, 'scripts/kafka.sh'), ['sasl-ssl'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new Error(`the local broker's SASL_SSL listener is not there (scripts/kafka.sh says why, above): ${(err as Error).message}`);
  }
  const settings = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  console.log(`[kafka] SASL_SSL listener ${settings.KAFKA_BROKERS} (CA ${settings.KAFKA_SSL_CA_LOCATION})`);
  project.provide('kafkaSaslSsl', settings);
}
