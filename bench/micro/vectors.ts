/**
 * Embedded vector store numbers: `node --import tsx bench/micro/vectors.ts [--n 10000] [--users 100]`.
 * Upsert rate in ingest-sized batches (64), then search latency over all
 * points and over one user's points, with a warm matrix cache and a cold one
 * (right after an upsert invalidated it). 384-d random unit vectors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pointId } from '../../providers/point-id.js';
import type { VectorPoint } from '../../providers/types.js';
import { createEmbeddedVectorStore } from '../../providers/vectors/embedded.js';

function randomVectors(n: number, dims: number, seed = 7): Float32Array[] {
  let x = seed >>> 0;
  const rnd = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, rnd));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function timeSearches(run: () => Promise<unknown>, times: number): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

export async function benchVectors(n = 10_000, users = 100, dims = 384): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-vectors-'));
  const store = createEmbeddedVectorStore({ path: path.join(dir, 'v.db') });
  const out: Record<string, string> = {};
  try {
    const vectors = randomVectors(n, dims);
    const points: VectorPoint[] = vectors.map((vector, i) => ({
      id: pointId(`user-${i % users}`, i, i + 1000),
      vector,
      payload: { user_id: `user-${i % users}`, window_end: i + 1000, summary_text: `mood avg 6.${i % 10}, 3 activities, notes: slept well` },
    }));
    let t = performance.now();
    for (let i = 0; i < points.length; i += 64) await store.upsert(points.slice(i, i + 64));
    out['upsert (batches of 64)'] = `${((n / (performance.now() - t)) * 1000).toFixed(0)} points/s`;
    t = performance.now();
    await store.upsert(points.slice(0, 1000)); // replay: overwrite 1000 existing
    out['upsert replay (1 batch of 1000)'] = `${((1000 / (performance.now() - t)) * 1000).toFixed(0)} points/s`;

    const queries = randomVectors(200, dims, 99);
    let q = 0;
    const all = () => store.search({ vector: queries[q++ % queries.length]!, topK: 3 });
    const one = () => store.search({ vector: queries[q++ % queries.length]!, userId: 'user-7', topK: 3 });
    await all();
    let r = await timeSearches(all, 200);
    out[`search all ${n} points, warm`] = `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
    r = await timeSearches(async () => {
      await store.upsert([points[0]!]); // invalidates the all-users matrix
      await all();
    }, 20);
    out[`search all ${n} points, cold (incl. 1 upsert)`] = `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
    await one();
    r = await timeSearches(one, 500);
    out[`search one user (${n / users} points), warm`] = `p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`;
    r = await timeSearches(async () => {
      await store.upsert([points[7]!]); // user-7's point: invalidates that user's matrix
      await one();
    }, 200);
    out[`search one user (${n / users} points), cold (incl. 1 upsert)`] = `p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`;
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (flag: string, dflt: number): number => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const results = await benchVectors(arg('--n', 10_000), arg('--users', 100));
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(52)} ${v}`);
}
