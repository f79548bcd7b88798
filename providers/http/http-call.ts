/**
 * The pieces of one HTTP call to a provider, on Node's global fetch: an abort
 * scope that merges the caller's signal with our own timers (and remembers
 * *why* it aborted: a timeout is retriable, a caller's abort is not), and the
 * mapping of HTTP statuses and network failures to AuraErrors with a
 * `retriable` flag that withRetry() reads.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { abortedError } from './retry.js';

/**
 * An AbortController fed by the callers' signals and by timers that record
 * their own error. (Several parents rather than AbortSignal.any(): that one
 * has leaked listeners on long-lived signals in some Node 20 releases.)
 */
export class CallScope {
  private readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly parents: AbortSignal[];
  private readonly onParentAbort = (): void => this.controller.abort();
  /** Why the scope aborted, when a timer (not a caller) did it. */
  reason?: AuraError;

  constructor(...parents: Array<AbortSignal | undefined>) {
    this.parents = parents.filter((p): p is AbortSignal => p !== undefined);
    for (const p of this.parents) {
      if (p.aborted) this.controller.abort();
      else p.addEventListener('abort', this.onParentAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether a caller's signal (not one of our timers) aborted the scope. */
  get callerAborted(): boolean {
    return this.reason === undefined && this.parents.some((p) => p.aborted);
  }

  /** Aborts with `error` after `ms`; the returned function re-arms it (an idle timeout) and `cancel` stops it. */
  timer(ms: number, error: () => AuraError): { rearm: () => void; cancel: () => void } {
    let handle: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      if (handle) this.timers.delete(handle);
      clearTimeout(handle);
    };
    const rearm = (): void => {
      cancel();
      // setTimeout fires at once past 2^31-1 ms: cap far deadlines.
      handle = setTimeout(() => this.fail(error()), Math.min(2 ** 31 - 1, Math.max(0, ms)));
      this.timers.add(handle);
    };
    rearm();
    return { rearm, cancel };
  }

  fail(error: AuraError): void {
    if (this.controller.signal.aborted) return;
    this.reason = error;
    this.controller.abort(error);
  }

  /** The error to throw for a failure seen inside the scope: our timer's, the caller's abort, or a network error. */
  explain(err: unknown, what: string): AuraError {
    if (this.reason) return this.reason;
    if (this.callerAborted) return abortedError(what);
    if (err instanceof AuraError) return err;
    return networkError(err, what);
  }

  /** Stops the timers and aborts whatever is still open (e.g. a stream its consumer stopped reading). */
  dispose(): void {
    if (!this.controller.signal.aborted) this.controller.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.parents) p.removeEventListener('abort', this.onParentAbort);
  }
}

export function timeoutError(what: string, ms: number): AuraError {
  return new AuraError(ErrorCodes.PROVIDER_TIMEOUT, `${what}: no answer within ${ms} ms`, { retriable: true, details: { timeoutMs: ms } });
}

export function networkError(err: unknown, what: string): AuraError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  let detail = String(cause);
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    detail = code && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message || String(code);
  }
  return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: ${detail}`, { cause: err, retriable: true });
}

/** Statuses worth another try: overload, throttling and server-side failures. */
export function retriableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Milliseconds a `Retry-After` (seconds or HTTP date) or OpenAI's `retry-after-ms` header asks us to wait. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** An AuraError for a non-2xx response, with the start of its body (servers explain themselves there). */
export async function statusError(response: Response, what: string): Promise<AuraError> {
  let body = '';
  try {
    body = (await response.text()).slice(0, 500);
  } catch {
    // the body is a courtesy
  }
  const status = response.status;
  const message = extractMessage(body);
  return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: HTTP ${status}${message ? ` — ${message}` : ''}`, {
    retriable: retriableStatus(status),
    details: { status, retryAfterMs: retryAfterMs(response.headers), body },
  });
}

function extractMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; status?: { error?: unknown } };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.status?.error === 'string') return parsed.status.error;
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

/**
 * `{url}/v1/{path}`, accepting a base URL with or without its `/v1` (OpenAI
 * documents `https://api.openai.com/v1`, Ollama and vLLM `http://host:port`).
 */
export function openAiEndpoint(url: string, path: string): string {
  const base = url.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/${path}` : `${base}/v1/${path}`;
}

export function jsonHeaders(apiKey?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
}
