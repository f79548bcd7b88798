/**
 * A feature-hashing embedder: lower-cased word unigrams and bigrams hashed
 * (FNV-1a) into `dims` buckets with a sign bit, then L2-normalised. No model,
 * instant, deterministic — the baseline MiniLM must beat, and the embedder
 * for tests that must not load ONNX. It only sees shared words: "nervous
 * before the test" and "anxious before my exam" look unrelated to it.
 */
import type { Embedder } from '../providers/types.js';
import { normalizeInPlace } from '../providers/vector-math.js';

export interface HashingEmbedderOptions {
  dims?: number;
  /** Also hash adjacent word pairs (default true). */
  bigrams?: boolean;
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function createHashingEmbedder(options: HashingEmbedderOptions = {}): Embedder {
  const dims = options.dims ?? 384;
  const bigrams = options.bigrams ?? true;
  const embedOne = (text: string): Float32Array => {
    const v = new Float32Array(dims);
    const words = tokenizeWords(text);
    const add = (feature: string, weight: number): void => {
      const h = fnv1a(feature);
      // The top bit picks the sign so collisions cancel out on average.
      v[h % dims]! += h & 0x80000000 ? -weight : weight;
    };
    for (let i = 0; i < words.length; i++) {
      add(words[i]!, 1);
      if (bigrams && i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`, 0.5);
    }
    return normalizeInPlace(v);
  };
  return {
    model: `hashing-${dims}`,
    dims,
    embed: async (texts) => texts.map(embedOne),
    close: async () => {},
  };
}
