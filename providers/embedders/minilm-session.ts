/**
 * One MiniLM ONNX session and its tokenizer: what each embedder worker thread
 * holds (minilm-worker.ts). Nothing here knows about threads.
 *
 * Why one text per ONNX run by default: the model is dynamically quantized,
 * and DynamicQuantizeLinear picks one scale per *tensor*, i.e. per batch. A
 * text's vector would then depend on the other texts of its run (measured: up
 * to 0.035 per component), breaking "same text → same vector" for replays,
 * even for batches of texts of equal token length (no padding). Measured back
 * to back on this CPU (AVX2, no VNNI; docs/benchmarks.md, "The MiniLM
 * embedder"), quantized one-per-run is also the fastest deterministic option:
 * the non-quantized model (bit-identical even in padded batches) is 2–3×
 * slower in batches of 32, and quantized batches of 32 gain little on notes
 * and lose on summaries. `batchSize` > 1 remains for machines where batching
 * pays, at the cost of that determinism.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { MiniLmTokenizer, meanPoolNormalize, type PackedBatch } from './minilm-tokenizer.js';
import type { MiniLmModelFiles } from './model-cache.js';

export const MINILM_DIMS = 384;

export interface MiniLmSessionOptions {
  files: MiniLmModelFiles;
  /** Texts per ONNX run (1: deterministic, see above). */
  batchSize: number;
  /** Truncation length in tokens, [CLS]/[SEP] included. */
  maxTokens: number;
  /** ONNX intra-op threads of this session. */
  threads: number;
}

export interface MiniLmSession {
  /** One unit vector per text, in input order, packed row after row (texts.length × 384). */
  embed(texts: string[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function openMiniLmSession(o: MiniLmSessionOptions): Promise<MiniLmSession> {
  // Imported lazily so that loading this module costs nothing until a session is opened.
  const ort = await import('onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(o.files.onnxPath, {
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new AuraError(ErrorCodes.MODEL_MISSING, `cannot load ONNX model ${o.files.onnxPath} (delete it and run aura fetch-model)`, { cause: err });
  }
  const inputs = session.inputNames;
  if (!inputs.includes('input_ids') || !inputs.includes('attention_mask')) {
    await session.release();
    throw new AuraError(ErrorCodes.MODEL_MISSING, `${o.files.onnxPath} is not a BERT-style model (inputs: ${inputs.join(', ')})`);
  }
  const tokenizer = MiniLmTokenizer.fromFile(o.files.tokenizerPath, o.maxTokens);
  const withTokenTypes = inputs.includes('token_type_ids');
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!;
  const Ctor: typeof Tensor = ort.Tensor;

  const run = async (packed: PackedBatch): Promise<Float32Array[]> => {
    const shape = [packed.batch, packed.seqLen];
    const feeds: Record<string, Tensor> = {
      input_ids: new Ctor('int64', packed.inputIds, shape),
      attention_mask: new Ctor('int64', packed.attentionMask, shape),
    };
    if (withTokenTypes) feeds.token_type_ids = new Ctor('int64', packed.tokenTypeIds, shape);
    const result = await session.run(feeds);
    const hidden = result[output];
    if (!hidden || hidden.dims[2] !== MINILM_DIMS) {
      throw new AuraError(ErrorCodes.PROVIDER_FAILED, `MiniLM output ${output} has shape [${hidden?.dims.join(', ')}], expected [*, *, ${MINILM_DIMS}]`);
    }
    return meanPoolNormalize(hidden.data as Float32Array, packed, MINILM_DIMS);
  };

  return {
    async embed(texts) {
      const out = new Float32Array(texts.length * MINILM_DIMS);
      const encoded = texts.map((t) => tokenizer.encode(t));
      // With batching, group texts of similar length to waste less on padding.
      const order = encoded.map((_, i) => i);
      if (o.batchSize > 1) order.sort((a, b) => encoded[a]!.length - encoded[b]!.length);
      for (let i = 0; i < order.length; i += o.batchSize) {
        const idx = order.slice(i, i + o.batchSize);
        const vectors = await run(MiniLmTokenizer.pack(idx.map((k) => encoded[k]!)));
        idx.forEach((k, j) => out.set(vectors[j]!, k * MINILM_DIMS));
      }
      return out;
    },
    release: () => session.release(),
  };
}
