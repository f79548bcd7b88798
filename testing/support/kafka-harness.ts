/**
 * Shared by the engine-on-Kafka tests (`runtime/kafka-*.kafka.test.ts`): a
 * transport on the suite's broker, pipeline copies with unique app and topic
 * names, `aura` child processes, and read_committed readers that read a topic
 * to its end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createKafkaTransport, type KafkaTransport } from '../../transports/kafka/index.js';
import type { Consumer, LogRecord } from '../../transports/types.js';
import { type AuraResult, auraInProcess } from './aura-in-process.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export function brokers(): string {
  return inject('kafkaBrokers');
}

export function kafkaTransport(clientId = 'aura-e2e-test'): KafkaTransport {
  return createKafkaTransport({ brokers: brokers(), clientId });
}

export function uniquePrefix(base: string): string {
  return `${base}-${randomUUID().slice(0, 8)}`;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A copy of a pipeline file in `dir` with textual replacements (unique app and topic names). */
export function pipelineCopy(source: string, dir: string, replacements: Array<[RegExp | string, string]>): string {
  let text = fs.readFileSync(source, 'utf8');
  for (const [from, to] of replacements) text = text.replace(typeof from === 'string' ? new RegExp(escapeRegExp(from), 'g') : from, to);
  // Keep `$schema` and relative resource paths working from the copy's directory.
  text = text.replace('$schema=./schemas/', `$schema=${ROOT}/schemas/`);
  const file = path.join(dir, path.basename(source));
  fs.writeFileSync(file, text);
  return file;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `aura <args>` in-process with KAFKA_BROKERS set; returns exit code and output. */
export function aura(args: string[], env: Record<string, string> = {}): Promise<AuraResult> {
  return auraInProcess(args, { KAFKA_BROKERS: brokers(), ...env });
}

export interface AuraProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Parsed pino lines with this message. */
  logs(msg: string): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `aura run <file>` as a child process on the suite's broker. */
/** `args`: more options of `aura run` (e.g. `--threads 2`). */
export function auraRun(file: string, options: { instance: string; stateDir: string; env?: Record<string, string>; args?: string[] }): AuraProcess {
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokers(),
    AURA_INSTANCE_ID: options.instance,
    AURA_LOG_LEVEL: 'info',
    // A killed instance's partitions move after this (the broker's minimum is 6 s).
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...options.env,
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, '--state-dir', options.stateDir, ...(options.args ?? [])], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout!.on('data', (d) => chunks.push(String(d)));
  child.stderr!.on('data', (d) => chunks.push(String(d)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      // A death by signal is named in the output that assertions print.
      if (signal) chunks.push(`\n[the process ended by ${signal}]\n`);
      resolve(code);
    }),
  );
  const output = () => chunks.join('');
  const logs = (msg: string) =>
    output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === msg);
  return { child, output, logs, exited };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Sum of the group's committed offsets on a topic: how many input records are done. */
export async function committedTotal(transport: KafkaTransport, group: string, topic: string, partitions: number): Promise<number> {
  const c = transport.consumer({ groupId: group, isolation: 'read_committed' });
  try {
    const offsets = await c.committed(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    return offsets.reduce((n, o) => n + Math.max(0, o.offset), 0);
  } finally {
    await c.close();
  }
}

/**
 * Every record of a topic as a read_committed (or read_uncommitted) reader sees it, read up to
 * the end offsets taken when reading starts: the last stable offset under read_committed.
 */
export async function readTopic(
  transport: KafkaTransport,
  topic: string,
  partitions: number,
  isolation: 'read_committed' | 'read_uncommitted' = 'read_committed',
): Promise<LogRecord[]> {
  const reader: Consumer = transport.consumer({ isolation });
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  try {
    const ends = new Map((await reader.endOffsets(tps)).map((e) => [e.partition, e.offset]));
    const starts = new Map((await reader.beginningOffsets(tps)).map((e) => [e.partition, e.offset]));
    const todo = tps.filter((tp) => ends.get(tp.partition)! > starts.get(tp.partition)!);
    await reader.assign(todo.map((tp) => ({ ...tp, offset: starts.get(tp.partition)! })));
    const out: LogRecord[] = [];
    const deadline = Date.now() + 60_000;
    const remaining = new Set(todo.map((tp) => tp.partition));
    while (remaining.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach its end (partitions ${[...remaining].join(', ')})`);
      for (const r of await reader.poll(5000, 200)) if (r.offset < ends.get(r.partition)!) out.push(r);
      for (const p of remaining) if ((reader.position({ topic, partition: p }) ?? -1) >= ends.get(p)!) remaining.delete(p);
    }
    return out;
  } finally {
    await reader.close();
  }
}
