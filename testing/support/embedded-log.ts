/** Shared by the embedded log's tests: temp-dir transports and a recording rebalance listener. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmbeddedTransport, type EmbeddedTransport } from '../../transports/embedded/index.js';
import type { Consumer, LogRecord, RebalanceListener, TopicConfig, TopicPartition } from '../../transports/types.js';

export interface TempLog {
  dir: string;
  file: string;
  transport: EmbeddedTransport;
  /** Opens another transport on the same file (a restart). */
  reopen(): EmbeddedTransport;
  cleanup(): Promise<void>;
}

export function tempLog(): TempLog {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-embedded-log-'));
  const file = path.join(dir, 'log.db');
  const opened: EmbeddedTransport[] = [];
  const open = () => {
    const t = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
    opened.push(t);
    return t;
  };
  return {
    dir,
    file,
    transport: open(),
    reopen: open,
    async cleanup() {
      for (const t of opened) await t.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function topic(name: string, partitions: number, config: Record<string, string> = {}): TopicConfig {
  return { name, partitions, replication: 1, config };
}

export const value = (s: string): Buffer => Buffer.from(s);
export const text = (r: LogRecord): string | null => (r.value === null ? null : r.value.toString());

/** Polls until `n` records arrived (or fails after `timeoutMs`). */
export async function pollN(consumer: Consumer, n: number, timeoutMs = 5000): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`expected ${n} records, got ${out.length}`);
    out.push(...(await consumer.poll(n - out.length, Math.min(left, 200))));
  }
  return out;
}

export type RebalanceEvent = { who: string; kind: 'assigned' | 'revoked'; partitions: string[] };

/** A listener that records its calls (in a log shared between consumers) and can be slowed down. */
export function recordingListener(who: string, log: RebalanceEvent[], delayMs = 0): RebalanceListener & { owned: Set<string> } {
  const owned = new Set<string>();
  const names = (tps: TopicPartition[]) => tps.map((tp) => `${tp.topic}:${tp.partition}`).sort();
  return {
    owned,
    async onAssigned(tps) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      for (const n of names(tps)) owned.add(n);
      log.push({ who, kind: 'assigned', partitions: names(tps) });
    },
    async onRevoked(tps) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      for (const n of names(tps)) owned.delete(n);
      log.push({ who, kind: 'revoked', partitions: names(tps) });
    },
  };
}
