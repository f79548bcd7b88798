/**
 * An Embedder over an OpenAI-compatible `POST {url}/v1/embeddings` (OpenAI,
 * Ollama, vLLM, LM Studio, llama.cpp server): `{model, input: [...], dimensions?}`
 * → `{data: [{index, embedding}]}`.
 *
 * Texts are sent in batches of `batchSize`, at most `concurrency` requests in
 * flight per resource (shared by every vectorize task), each with a timeout
 * and bounded retries with backoff on 429 / 5xx / network errors. Vectors come
 * back L2-normalised, like the built-in embedders', so cosine is a dot product
 * everywhere downstream.
 *
 * `dims`: the configured `dimensions` when set (it is also sent, for models
 * that can shorten their vectors). Otherwise it is learnt from the first
 * answer and is 0 until then: asking the server at start-up would cost a
 * request and make start-up depend on the model server being up, while
 * nothing needs the size before the first vector exists (the ingest
 * processor sizes the collection from the first vector it sees). Either way,
 * an answer of another size afterwards is an error rather than a vector
 * that would poison the collection.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { CallScope, jsonHeaders, openAiEndpoint, statusError, timeoutError } from '../http/http-call.js';
import { Limiter } from '../http/limiter.js';
import { withRetry } from '../http/retry.js';
import type { Embedder } from '../types.js';
import { toUnitVector } from '../vector-math.js';

export interface OpenAiEmbedderOptions {
  /** Base URL, with or without `/v1`. */
  url: string;
  model: string;
  apiKey?: string;
  /** Requested vector size; also fixes `dims`. */
  dimensions?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Retries of a failed request (default 3). */
  maxRetries?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** First backoff delay (default 200 ms). */
  retryBaseDelayMs?: number;
}

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const endpoint = openAiEndpoint(options.url, 'embeddings');
  const what = `embeddings ${endpoint} (${options.model})`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
  const limiter = new Limiter(options.concurrency ?? 4);
  const headers = jsonHeaders(options.apiKey);
  // close() aborts what is in flight instead of waiting for the server.
  const closing = new AbortController();
  let dims = options.dimensions ?? 0;

  const fail = (message: string, details?: Record<string, unknown>): AuraError => new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: ${message}`, { details });

  const parse = (json: EmbeddingsResponse, expected: number): Float32Array[] => {
    if (!Array.isArray(json?.data)) throw fail('the answer has no "data" array');
    if (json.data.length !== expected) throw fail(`asked for ${expected} vectors, got ${json.data.length}`);
    const out = new Array<Float32Array | undefined>(expected);
    json.data.forEach((item, i) => {
      const index = item.index ?? i;
      const e = item.embedding;
      if (!Number.isInteger(index) || index < 0 || index >= expected || out[index]) throw fail(`bad or repeated index ${index}`);
      if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw fail(`embedding ${index} is not an array of numbers (is the server returning base64?)`);
      }
      if (dims === 0) dims = e.length; // learnt from the first answer (see above)
      if (e.length !== dims) throw fail(`the model returned a ${e.length}-d vector, expected ${dims}-d`, { expected: dims, actual: e.length });
      out[index] = toUnitVector(e as number[]);
    });
    return out as Float32Array[];
  };

  const request = async (batch: string[]): Promise<Float32Array[]> => {
    const scope = new CallScope(closing.signal);
    scope.timer(timeoutMs, () => timeoutError(what, timeoutMs));
    try {
      const body = { model: options.model, input: batch, ...(options.dimensions ? { dimensions: options.dimensions } : {}) };
      const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: scope.signal });
      if (!res.ok) throw await statusError(res, what);
      let json: EmbeddingsResponse;
      try {
        json = (await res.json()) as EmbeddingsResponse;
      } catch (err) {
        if (scope.signal.aborted) throw err;
        throw fail('the answer is not JSON');
      }
      return parse(json, batch.length);
    } catch (err) {
      throw scope.explain(err, what);
    } finally {
      scope.dispose();
    }
  };

  return {
    model: options.model,
    get dims() {
      return dims;
    },
    async embed(texts) {
      if (closing.signal.aborted) throw fail('embedder is closed');
      if (texts.length === 0) return [];
      const batches: string[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
      const results = await Promise.all(
        batches.map((batch) =>
          // The slot is held for one attempt only: a request backing off does not block others.
          withRetry(() => limiter.run(() => request(batch), closing.signal), {
            maxRetries: options.maxRetries ?? 3,
            baseDelayMs: options.retryBaseDelayMs,
            signal: closing.signal,
          }),
        ),
      );
      return results.flat();
    },
    async close() {
      closing.abort();
    },
  };
}
