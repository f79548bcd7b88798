/**
 * The MiniLM embedder's worker threads: vectors independent of their batch
 * company, an event loop left free while it works, errors with their codes
 * from the worker, and workers that end on close() (or do not hold a process
 * whose embedder was never closed).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedderCorpus, wellnessTexts } from '../../testing/support/wellness-corpus.js';
import { createMiniLmEmbedder, type MiniLmEmbedder } from './minilm.js';
import { ensureMiniLmModel, type MiniLmModelFiles } from './model-cache.js';

const bits = (v: Float32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

describe('MiniLM embedder in worker threads', () => {
  let files: MiniLmModelFiles;
  let embedder: MiniLmEmbedder;

  beforeAll(async () => {
    files = await ensureMiniLmModel({ log: (l) => console.log(`[fetch-model] ${l}`) });
    // Two workers, small requests: a call's texts are spread over both.
    embedder = createMiniLmEmbedder({ files, workers: 2, chunkSize: 4 });
    await embedder.load();
  }, 180_000);

  afterAll(async () => {
    await embedder?.close();
  });

  it('gives bit-identical vectors to a text alone, in a call of 32 with others, and in another order', async () => {
    const { notes, summaries } = embedderCorpus(64);
    const texts = [...summaries.slice(0, 6), ...notes.slice(0, 26)];
    expect(texts).toHaveLength(32);
    const together = await embedder.embed(texts);
    const shuffled = texts.map((t, i) => ({ t, i })).sort((a, b) => ((a.i * 7919) % 32) - ((b.i * 7919) % 32));
    const inOtherOrder = await embedder.embed(shuffled.map((s) => s.t));
    shuffled.forEach((s, j) => expect(bits(inOtherOrder[j]!)).toBe(bits(together[s.i]!)));
    for (const i of [0, 5, 6, 31]) {
      const [alone] = await embedder.embed([texts[i]!]);
      expect(bits(alone!)).toBe(bits(together[i]!));
    }
    // And with other company: the same text among 31 different ones.
    const others = wellnessTexts(31, 6, 40, 99);
    const [inOtherBatch] = await embedder.embed([texts[3]!, ...others]);
    expect(bits(inOtherBatch!)).toBe(bits(together[3]!));
    // A separate embedder (other workers, other sessions) agrees too.
    const single = createMiniLmEmbedder({ files, workers: 1 });
    try {
      const again = await single.embed(texts);
      again.forEach((v, i) => expect(bits(v)).toBe(bits(together[i]!)));
    } finally {
      await single.close();
    }
  });

  it('leaves the event loop free while it embeds hundreds of texts', async () => {
    const shipped = createMiniLmEmbedder({ files }); // the default number of workers
    await shipped.load();
    const { notes, summaries } = embedderCorpus(240);
    const texts = [...notes, ...summaries]; // 300 texts, ~1–3 s of ONNX work
    // What this machine adds by itself (other processes keeping this thread from a core): 1 s idle.
    const idle = await loopDelay(() => new Promise((r) => setTimeout(r, 1000)));
    // Concurrent callers, as the vectorize processor's micro-batches are.
    const busy = await loopDelay(() => Promise.all(Array.from({ length: 10 }, (_, k) => shipped.embed(texts.slice(k * 30, k * 30 + 30)))));
    await shipped.close();
    console.log(
      `embedded ${texts.length} texts in ${busy.ms.toFixed(0)} ms; event loop: p99 delay ${busy.p99.toFixed(1)} ms (idle ${idle.p99.toFixed(1)} ms), ` +
        `max ${busy.max.toFixed(1)} ms, utilization ${(busy.utilization * 100).toFixed(1)} %`,
    );
    expect(busy.result.flat()).toHaveLength(texts.length);
    // On the event loop, ONNX ran 3–15 ms per text (30–100 ms on a busy machine): utilization
    // ~100 %. In workers the loop only passes messages: a few per cent, whatever the machine.
    expect(busy.utilization).toBeLessThan(0.25);
    // p99 ≈ the 10 ms resolution on a quiet machine; the bound adds what the machine showed idle.
    expect(busy.p99).toBeLessThan(100 + idle.p99);
  }, 60_000);

  it('reports a model the worker cannot load as MODEL_MISSING, and can load later', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-minilm-bad-'));
    try {
      const bad = { onnxPath: path.join(dir, 'model.onnx'), tokenizerPath: files.tokenizerPath };
      fs.writeFileSync(bad.onnxPath, 'not an onnx model');
      const e = createMiniLmEmbedder({ files: bad, workers: 2 });
      await expect(e.load()).rejects.toMatchObject({ code: 'MODEL_MISSING', message: expect.stringContaining('cannot load ONNX model') });
      await expect(e.embed(['x'])).rejects.toMatchObject({ code: 'MODEL_MISSING' });
      // The file is repaired (as `aura fetch-model` would): the next call starts the workers.
      fs.copyFileSync(files.onnxPath, bad.onnxPath);
      const [v] = await e.embed(['I slept well']);
      expect(v).toHaveLength(384);
      await e.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers calls made before close(), then ends its workers so the process can exit; a forgotten embedder does not hold it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-minilm-close-'));
    const script = path.join(dir, 'child.mts');
    const minilm = new URL('./minilm.ts', import.meta.url).href;
    fs.writeFileSync(
      script,
      `import { createMiniLmEmbedder } from ${JSON.stringify(minilm)};
const files = ${JSON.stringify(files)};
const closed = createMiniLmEmbedder({ files, workers: 2 });
const pending = closed.embed(['one', 'two', 'three']);
await closed.close();
console.log('answered', (await pending).length);
await closed.embed(['x']).catch((e) => console.log('after close', e.code));
const forgotten = createMiniLmEmbedder({ files, workers: 2 });
console.log('forgotten', (await forgotten.embed(['still here'])).length);
`,
    );
    try {
      const child = await runNode(script, 60_000);
      expect(child.stderr).toBe('');
      expect(child.stdout.trim().split('\n')).toEqual(['answered 3', 'after close PROVIDER_FAILED', 'forgotten 1']);
      expect(child.code).toBe(0); // exited by itself, not killed by the timeout: nothing kept it alive
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);
});

/** Event-loop delay (monitorEventLoopDelay, 10 ms resolution) and utilization while `work` runs. */
async function loopDelay<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; p99: number; max: number; utilization: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  const elu0 = performance.eventLoopUtilization();
  h.enable();
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  h.disable();
  return { result, ms, p99: h.percentile(99) / 1e6, max: h.max / 1e6, utilization: performance.eventLoopUtilization(elu0).utilization };
}

/** Runs a script with tsx; SIGKILL after `timeoutMs` (then code is null). */
function runNode(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(import.meta.dirname, '../..') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
