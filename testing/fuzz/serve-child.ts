/**
 * A real `aura serve` process for the fuzz suite (serve-main.ts): the default
 * pipeline with the hashing embedder instead of MiniLM, so it starts in
 * seconds and offline, on a fresh embedded log in a temp directory, with a
 * real JWT key. Exposes its URL, its pid and its resident memory (from /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServeChild {
  url: string;
  port: number;
  pid: number;
  /** Resident set size in bytes (VmRSS). */
  rss(): number;
  /** Runs a full garbage collection in the server (serve-main.ts's SIGUSR2 hook) and waits for it. */
  gc(): Promise<void>;
  alive(): boolean;
  /** The last output, for failure messages. */
  output(): string;
  stop(): Promise<number | null>;
}

export async function startServe(env: Record<string, string>): Promise<ServeChild> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-fuzz-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href,
      path.join(import.meta.dirname, 'serve-main.ts'),
      path.join(ROOT, 'pipeline.yaml'),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        KAFKA_BROKERS: '',
        AURA_STATE_DIR: path.join(dir, 'state'),
        AURA_VECTOR_DB: path.join(dir, 'vectors.db'),
        AURA_LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let gcCount = 0;
  const keep = (d: Buffer) => {
    const text = String(d);
    gcCount += text.split('GC DONE').length - 1;
    out = (out + text).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /"url":"(http:\/\/[^"]+)","instance"/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(m[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(t);
      reject(new Error(`aura serve exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    alive: () => exitCode === undefined,
    async gc() {
      const before = gcCount;
      child.kill('SIGUSR2');
      for (let i = 0; i < 200 && gcCount === before; i++) await new Promise((r) => setTimeout(r, 10));
      if (gcCount === before) throw new Error('the server did not run the garbage collection');
    },
    output: () => out,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
