/**
 * vitest globalSetup of the Kafka suite: uses KAFKA_BROKERS when set (and
 * checks that it answers), else starts the local broker with scripts/kafka.sh
 * and stops it afterwards. Tests read the address with `inject('kafkaBrokers')`:
 * it is deliberately not put into process.env, which the unit project's
 * workers inherit (their `aura run` children must stay on the embedded log).
 * Never skips: without a broker the suite fails, saying how to get one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createKafkaTransport } from '../../transports/kafka/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/kafka.sh');
const HOW =
  'set KAFKA_BROKERS=host:port, or run `docker compose -f docker-compose.dev.yml up -d kafka` (KAFKA_BROKERS=127.0.0.1:9092), ' +
  'or install a JRE 17+ and Maven so scripts/kafka.sh can start one';

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    const transport = createKafkaTransport({ brokers: given, clientId: 'aura-test-probe' });
    try {
      await transport.connect();
    } catch (err) {
      throw new Error(`KAFKA_BROKERS=${given} does not answer (${(err as Error).message}): ${HOW}`);
    } finally {
      await transport.close();
    }
    project.provide('kafkaBrokers', given);
    return undefined;
  }
  if (spawnSync('java', ['-version']).error) {
    throw new Error(`The Kafka tests need a broker${process.env.CI ? ' (CI runs them always)' : ''}: ${HOW}`);
  }
  // A broker someone started by hand stays up after the suite.
  const alreadyRunning = spawnSync(SCRIPT, ['status'], { cwd: ROOT }).status === 0;
  const t0 = Date.now();
  let out: string;
  try {
    out = execFileSync(SCRIPT, ['start'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new Error(`scripts/kafka.sh could not start a broker (its output is above): ${(err as Error).message}\nOtherwise: ${HOW}`);
  }
  const brokers = out.trim().split('\n').pop()!;
  console.log(`[kafka] broker ${brokers} ready in ${Date.now() - t0} ms`);
  project.provide('kafkaBrokers', brokers);
  if (alreadyRunning) return undefined;
  return () => {
    execFileSync(SCRIPT, ['stop'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
