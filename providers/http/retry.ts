/**
 * Bounded retries with exponential backoff, shared by the network providers
 * (Qdrant, OpenAI-compatible embeddings and chat). Only errors that say so
 * are retried: an AuraError with `retriable: true` (5xx, 429, network errors,
 * timeouts, as classified by http-errors.ts). A 4xx is a bug or a bad key and
 * retrying it only delays the failure.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';

export interface RetryOptions {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** First backoff delay (default 200 ms); doubles each retry. */
  baseDelayMs?: number;
  /** Cap of one backoff delay (default 5 s). A server's Retry-After is honoured up to 30 s. */
  maxDelayMs?: number;
  /** Stops waiting and retrying when aborted. */
  signal?: AbortSignal;
  /** Epoch ms: no retry is started that could not begin before it. */
  deadline?: number;
  onRetry?: (err: AuraError, attempt: number, delayMs: number) => void;
}

const MAX_RETRY_AFTER_MS = 30_000;

export function isRetriable(err: unknown): err is AuraError {
  return err instanceof AuraError && err.retriable;
}

/** Delay before retry number `attempt` (0-based): full exponential, half of it jittered so that clients do not retry in lockstep. */
export function backoffDelay(attempt: number, err: unknown, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'> = {}): number {
  const retryAfter = err instanceof AuraError ? (err.details?.retryAfterMs as number | undefined) : undefined;
  if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  const base = options.baseDelayMs ?? 200;
  const exp = Math.min(options.maxDelayMs ?? 5_000, base * 2 ** attempt);
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (!isRetriable(err) || attempt >= options.maxRetries || options.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, err, options);
      if (options.deadline !== undefined && Date.now() + delay >= options.deadline) throw err;
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with a PROVIDER_FAILED "aborted" error when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(what = 'request'): AuraError {
  return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what} aborted`, { details: { aborted: true } });
}
