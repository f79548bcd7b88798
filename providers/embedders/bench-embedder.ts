/**
 * Embedding throughput on one core: `node --import tsx providers/embedders/bench-embedder.ts [--n 640]`.
 * Short wellness notes (6–14 words, like the mobile app's notes) and context
 * summaries (~60 words, like `summary_text`), at batch sizes 1 and 32, plus
 * the hashing baseline. Texts are generated deterministically.
 */
import { pathToFileURL } from 'node:url';
import { createHashingEmbedder } from './hashing.js';
import { createMiniLmEmbedder } from './minilm.js';
import { ensureMiniLmModel } from './model-cache.js';
import type { Embedder } from '../types.js';

const WORDS = (
  'slept well badly tired calm anxious stressed happy sad energetic walked ran cycled swam meditated ' +
  'journaled worked studied cooked read friends family dinner lunch park gym yoga exam deadline meeting ' +
  'morning evening night minutes hours long short great hard today yesterday felt was had went with after before'
).split(' ');

/** A small LCG so the corpus is the same on every run. */
function corpus(n: number, minWords: number, maxWords: number, seed = 42): string[] {
  let x = seed >>> 0;
  const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, () => {
    const len = minWords + (next() % (maxWords - minWords + 1));
    return Array.from({ length: len }, () => WORDS[next() % WORDS.length]).join(' ');
  });
}

async function measure(embedder: Embedder, texts: string[], chunk: number): Promise<number> {
  await embedder.embed(texts.slice(0, chunk)); // warm-up
  const started = performance.now();
  for (let i = 0; i < texts.length; i += chunk) await embedder.embed(texts.slice(i, i + chunk));
  return (texts.length / (performance.now() - started)) * 1000;
}

export async function benchEmbedder(n = 640): Promise<Record<string, number>> {
  const files = await ensureMiniLmModel({ log: (l) => console.error(l) });
  const notes = corpus(n, 6, 14);
  const summaries = corpus(Math.max(32, Math.floor(n / 4)), 50, 70);
  const results: Record<string, number> = {};
  for (const batchSize of [1, 32]) {
    const e = createMiniLmEmbedder({ files, batchSize, threads: 1 });
    results[`minilm notes batch=${batchSize}`] = await measure(e, notes, 32);
    results[`minilm summaries batch=${batchSize}`] = await measure(e, summaries, 32);
    await e.close();
  }
  const h = createHashingEmbedder();
  results['hashing notes'] = await measure(h, notes, 32);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const nFlag = process.argv.indexOf('--n');
  const n = nFlag >= 0 ? Number(process.argv[nFlag + 1]) : 640;
  const results = await benchEmbedder(n);
  for (const [name, rate] of Object.entries(results)) console.log(`${name.padEnd(32)} ${rate.toFixed(0).padStart(8)} texts/s`);
}
