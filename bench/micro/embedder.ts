/**
 * Embedding throughput of the MiniLM options, measured back to back:
 *
 *   node --import tsx bench/micro/embedder.ts [--n 320] [--rounds 3] [--json FILE]
 *
 * Short wellness notes (6–14 words, like the mobile app's notes) and context
 * summaries (50–70 words, like `summary_text`), generated deterministically.
 * Options: the quantized model one text per ONNX run (what the embedder ships
 * with) or in padded batches of 32, the non-quantized model (fetched on first
 * use, 90 MB) in batches of 32 or one per run, ONNX intra-op threads 1 or 2,
 * one worker or two; plus the hashing baseline. The options run in turn, round
 * after round (`--rounds`), and the median per option is printed with its
 * ratio to the shipped option, so that a busy machine distorts all of them
 * alike. Each option also says whether it is deterministic: the same texts
 * alone, in one call of 32, and reversed must give bit-identical vectors.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMiniLmEmbedder } from '../../providers/embedders/minilm.js';
import { ensureMiniLmModel, type MiniLmVariant } from '../../providers/embedders/model-cache.js';
import type { Embedder } from '../../providers/types.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { embedderCorpus } from '../../testing/support/wellness-corpus.js';

interface Option {
  name: string;
  variant?: MiniLmVariant;
  batchSize?: number;
  threads?: number;
  workers?: number;
}

export const EMBEDDER_OPTIONS: Option[] = [
  { name: 'quantized, 1 per run, 1 thread, 1 worker (shipped on 2 cores)', variant: 'quantized', batchSize: 1, threads: 1, workers: 1 },
  { name: 'quantized, 1 per run, 2 threads, 1 worker', variant: 'quantized', batchSize: 1, threads: 2, workers: 1 },
  { name: 'quantized, 1 per run, 1 thread, 2 workers', variant: 'quantized', batchSize: 1, threads: 1, workers: 2 },
  { name: 'quantized, batches of 32, 1 thread, 1 worker', variant: 'quantized', batchSize: 32, threads: 1, workers: 1 },
  { name: 'quantized, batches of 32, 2 threads, 1 worker', variant: 'quantized', batchSize: 32, threads: 2, workers: 1 },
  { name: 'fp32, 1 per run, 1 thread, 1 worker', variant: 'fp32', batchSize: 1, threads: 1, workers: 1 },
  { name: 'fp32, batches of 32, 1 thread, 1 worker', variant: 'fp32', batchSize: 32, threads: 1, workers: 1 },
  { name: 'fp32, batches of 32, 2 threads, 1 worker', variant: 'fp32', batchSize: 32, threads: 2, workers: 1 },
  { name: 'hashing (baseline)' },
];

export interface OptionResult {
  name: string;
  notesPerSecond: number[];
  summariesPerSecond: number[];
  deterministic: boolean;
  /** Event-loop delay p99 of this (main) thread while the notes were embedded, ms. */
  eventLoopP99Ms: number[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const same = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/** Texts per second for one call holding all texts (the workers share it), after a warm-up call. */
async function rate(e: Embedder, texts: string[]): Promise<{ perSecond: number; p99Ms: number }> {
  await e.embed(texts.slice(0, 16));
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  await e.embed(texts);
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  return { perSecond: texts.length / seconds, p99Ms: h.percentile(99) / 1e6 };
}

/** Same text → same vector: alone, in a call of 32 with others, in reverse order. */
export async function isDeterministic(e: Embedder, texts: string[]): Promise<boolean> {
  const batch = texts.slice(0, 32);
  const together = await e.embed(batch);
  const reversed = (await e.embed([...batch].reverse())).reverse();
  for (let i = 0; i < 8; i++) {
    const [alone] = await e.embed([batch[i]!]);
    if (!same(alone!, together[i]!)) return false;
  }
  return together.every((v, i) => same(v, reversed[i]!));
}

function build(o: Option, files: Map<MiniLmVariant, Awaited<ReturnType<typeof ensureMiniLmModel>>>): Embedder {
  if (!o.variant) return createHashingEmbedder({ dims: 384 });
  return createMiniLmEmbedder({
    files: files.get(o.variant)!,
    batchSize: o.batchSize,
    chunkSize: Math.max(8, o.batchSize ?? 1),
    threads: o.threads,
    workers: o.workers,
  });
}

export async function benchEmbedder(n = 320, rounds = 3, log: (line: string) => void = () => undefined): Promise<OptionResult[]> {
  const files = new Map<MiniLmVariant, Awaited<ReturnType<typeof ensureMiniLmModel>>>();
  for (const v of ['quantized', 'fp32'] as const) files.set(v, await ensureMiniLmModel({ variant: v, log }));
  const { notes, summaries } = embedderCorpus(n);
  const results: OptionResult[] = EMBEDDER_OPTIONS.map((o) => ({
    name: o.name,
    notesPerSecond: [],
    summariesPerSecond: [],
    deterministic: true,
    eventLoopP99Ms: [],
  }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, o] of EMBEDDER_OPTIONS.entries()) {
      const e = build(o, files);
      const r = results[i]!;
      const a = await rate(e, notes);
      r.notesPerSecond.push(a.perSecond);
      r.eventLoopP99Ms.push(a.p99Ms);
      r.summariesPerSecond.push((await rate(e, summaries)).perSecond);
      if (round === 0) r.deterministic = await isDeterministic(e, [...summaries.slice(0, 8), ...notes.slice(0, 24)]);
      await e.close();
      log(`  round ${round + 1}: ${o.name}: ${Math.round(a.perSecond)} notes/s`);
    }
  }
  return results;
}

export function formatEmbedderResults(results: OptionResult[]): string[] {
  const base = results[0]!;
  const lines = [
    `${'option'.padEnd(56)} ${'notes/s'.padStart(8)} ${'ratio'.padStart(6)} ${'summ./s'.padStart(8)} ${'ratio'.padStart(6)}  deterministic  loop p99`,
  ];
  for (const r of results) {
    const notes = median(r.notesPerSecond);
    const summ = median(r.summariesPerSecond);
    lines.push(
      `${r.name.padEnd(56)} ${Math.round(notes).toString().padStart(8)} ${(notes / median(base.notesPerSecond)).toFixed(2).padStart(6)} ` +
        `${Math.round(summ).toString().padStart(8)} ${(summ / median(base.summariesPerSecond)).toFixed(2).padStart(6)}  ${(r.deterministic ? 'yes' : 'NO').padEnd(13)}  ${median(r.eventLoopP99Ms).toFixed(1)} ms`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '320' }, rounds: { type: 'string', default: '3' }, json: { type: 'string' } } });
  const results = await benchEmbedder(Number(values.n), Number(values.rounds), (l) => console.error(l));
  for (const line of formatEmbedderResults(results)) console.log(line);
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}
