/**
 * A broker of a test's own (scripts/kafka.sh on its own port and data dir),
 * for tests that kill and restart it: the suite's broker, which other test
 * files share, is never disturbed. Its port is AURA_TEST_OUTAGE_PORT, else the
 * suite broker's port + 10 (the controller takes port + 1).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { brokers, ROOT } from './kafka-harness.js';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts/kafka.sh');

export interface DedicatedBroker {
  /** Its bootstrap address. */
  readonly address: string;
  /** SIGKILL, as a crash: the data dir stays. */
  kill(): Promise<void>;
  /** Starts again on the same data (same cluster, topics, offsets, transactions). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function dedicatedPort(): number {
  const given = Number(process.env.AURA_TEST_OUTAGE_PORT);
  if (given > 0) return given;
  const suitePort = Number(/:(\d+)$/.exec(brokers().split(',')[0]!.trim())?.[1]);
  if (!(suitePort > 0)) throw new Error(`cannot derive a port from the suite's brokers "${brokers()}": set AURA_TEST_OUTAGE_PORT`);
  return suitePort + 10;
}

export async function startDedicatedBroker(port = dedicatedPort()): Promise<DedicatedBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-dedicated-kafka-'));
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_DATA_DIR: path.join(dir, 'kafka') };
  const script = async (...args: string[]) => {
    try {
      return (await run(SCRIPT, args, { env, cwd: ROOT })).stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`scripts/kafka.sh ${args.join(' ')} (port ${port}) failed: ${e.stderr || e.message}`);
    }
  };
  const address = (await script('start')).split('\n').pop()!;
  return {
    address,
    kill: async () => void (await script('kill')),
    restart: async () => void (await script('start', '--keep-data')),
    async stop() {
      await script('stop');
      if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
