/**
 * vitest globalSetup of the Kafka suite: uses KAFKA_BROKERS when set, else
 * starts the local broker with scripts/kafka.sh (and stops it afterwards).
 * Tests read the address from `inject('kafkaBrokers')` or process.env.KAFKA_BROKERS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/kafka.sh');

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide('kafkaBrokers', given);
    return undefined;
  }
  if (spawnSync('java', ['-version']).error) {
    throw new Error('Kafka tests need a broker: set KAFKA_BROKERS=host:port, or run `docker compose -f docker-compose.dev.yml up -d kafka`, or install Java 17+ so scripts/kafka.sh can start one');
  }
  // A broker someone started by hand stays up after the suite.
  const alreadyRunning = spawnSync(SCRIPT, ['status'], { cwd: ROOT }).status === 0;
  const t0 = Date.now();
  const out = execFileSync(SCRIPT, ['start'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const brokers = out.trim().split('\n').pop()!;
  console.log(`[kafka] broker ${brokers} ready in ${Date.now() - t0} ms`);
  process.env.KAFKA_BROKERS = brokers;
  project.provide('kafkaBrokers', brokers);
  if (alreadyRunning) return undefined;
  return () => {
    execFileSync(SCRIPT, ['stop'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
