/**
 * WordPiece tokenisation for MiniLM (via @huggingface/tokenizers, pure JS) and
 * packing of encodings into the int64 tensors BERT-style models take.
 * tokenizers.js has no batch/padding API: truncation keeps [CLS] … [SEP] and
 * padding goes to the longest sequence of the batch (not to a fixed 128), as
 * short notes are the common case.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export interface PackedBatch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

export class MiniLmTokenizer {
  private readonly tokenizer: Tokenizer;

  constructor(
    tokenizerJson: object,
    readonly maxTokens = 256,
  ) {
    if (maxTokens < 2) throw new RangeError('maxTokens must leave room for [CLS] and [SEP]');
    this.tokenizer = new Tokenizer(tokenizerJson, {});
  }

  static fromFile(tokenizerPath: string, maxTokens?: number): MiniLmTokenizer {
    return new MiniLmTokenizer(JSON.parse(readFileSync(tokenizerPath, 'utf8')) as object, maxTokens);
  }

  /** Token ids with special tokens, truncated to maxTokens (the final [SEP] kept). */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxTokens) return ids;
    const truncated = ids.slice(0, this.maxTokens - 1);
    truncated.push(ids[ids.length - 1]!);
    return truncated;
  }

  /** Packs sequences row-major, right-padded with 0 ([PAD]) and mask 0. */
  static pack(sequences: number[][]): PackedBatch {
    const batch = sequences.length;
    let seqLen = 0;
    for (const s of sequences) seqLen = Math.max(seqLen, s.length);
    const inputIds = new BigInt64Array(batch * seqLen);
    const attentionMask = new BigInt64Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const s = sequences[b]!;
      const row = b * seqLen;
      for (let j = 0; j < s.length; j++) {
        inputIds[row + j] = BigInt(s[j]!);
        attentionMask[row + j] = 1n;
      }
    }
    // Single-segment input: all token types are 0.
    return { batch, seqLen, inputIds, attentionMask, tokenTypeIds: new BigInt64Array(batch * seqLen) };
  }
}

/**
 * Mean of the token vectors where the mask is 1, then L2-normalised
 * (sentence-transformers' pooling for all-MiniLM-L6-v2).
 */
export function meanPoolNormalize(hidden: Float32Array, packed: PackedBatch, dims: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < packed.batch; b++) {
    const v = new Float32Array(dims);
    let tokens = 0;
    for (let j = 0; j < packed.seqLen; j++) {
      if (packed.attentionMask[b * packed.seqLen + j] === 0n) continue;
      tokens++;
      const base = (b * packed.seqLen + j) * dims;
      for (let d = 0; d < dims; d++) v[d]! += hidden[base + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += v[d]! * v[d]!;
    // Dividing by the token count is absorbed by the normalisation.
    const inv = tokens > 0 && norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dims; d++) v[d]! *= inv;
    out.push(v);
  }
  return out;
}
