/**
 * The broker of the Kafka benches: KAFKA_BROKERS when set, else a private
 * single-node broker started with scripts/kafka.sh on its own port (default
 * 19292, AURA_BENCH_KAFKA_PORT) so that it neither reuses nor stops a broker
 * someone else runs on the default port. Stopped afterwards only if we
 * started it. A broker started here runs with the JVM settings of Kafka's own
 * start script (`scripts/kafka.sh start --perf`: G1, C2 JIT) unless
 * KAFKA_JVM_PERF=0: the tests' fast-starting JVM (C1 only, serial GC) is not
 * what a latency figure should be taken on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/kafka.sh');

export interface BenchBroker {
  brokers: string;
  /** How it was obtained, for the report. */
  origin: string;
  stop(): void;
}

export function ensureBroker(log: (line: string) => void): BenchBroker {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) return { brokers: given, origin: `KAFKA_BROKERS=${given}`, stop: () => undefined };
  const port = process.env.AURA_BENCH_KAFKA_PORT ?? '19292';
  const env = { ...process.env, KAFKA_PORT: port };
  const running = spawnSync(SCRIPT, ['status'], { cwd: ROOT, env }).status === 0;
  if (!running) log(`# starting a private broker with scripts/kafka.sh on 127.0.0.1:${port}`);
  const perf = process.env.KAFKA_JVM_PERF !== '0';
  const out = execFileSync(SCRIPT, ['start', ...(perf ? ['--perf'] : [])], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const brokers = out.trim().split('\n').pop()!;
  return {
    brokers,
    origin: `scripts/kafka.sh on port ${port}${running ? ' (already running, left running)' : perf ? ', perf JVM' : ', fast-start JVM'}`,
    stop: () => {
      if (!running) execFileSync(SCRIPT, ['stop'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
