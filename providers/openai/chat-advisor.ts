/**
 * A Guardian advisor over an OpenAI-compatible `POST {url}/v1/chat/completions`
 * with `stream: true`: each SSE delta (`data: {choices:[{delta:{content}}]}`)
 * is yielded as a piece as soon as it arrives, until `data: [DONE]`.
 *
 * Time: the whole answer is bounded by the request's `deadline` (epoch ms on
 * the real clock, as the gateway sets it), and `timeoutMs` bounds every wait
 * for the server — the first byte and each gap between deltas — so a model
 * server that hangs is noticed long before a far deadline. The caller's
 * `signal` (the guardian aborts it at the deadline) ends the stream quietly,
 * as the rules advisor does: the caller already knows why.
 *
 * Retries: only before the first delta. Once a piece has gone out, a retry
 * would repeat or contradict it, so a failure mid-stream is an error.
 * A concurrency cap holds one slot per answer (the whole stream): most model
 * servers serve a fixed number of sequences at once.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { CallScope, jsonHeaders, openAiEndpoint, statusError, timeoutError } from '../http/http-call.js';
import { Limiter } from '../http/limiter.js';
import { backoffDelay, isRetriable, sleep } from '../http/retry.js';
import { sseData } from '../http/sse.js';
import type { AdviceInput, Advisor } from '../types.js';
import { buildAdviceMessages, checkPromptTemplate, DEFAULT_PROMPT_TEMPLATE } from './prompt.js';

export interface OpenAiChatAdvisorOptions {
  /** Base URL, with or without `/v1`. */
  url: string;
  model: string;
  apiKey?: string;
  /** System prompt template with `{{context}}`, `{{history}}`, `{{question}}`, `{{language}}` (default: DEFAULT_PROMPT_TEMPLATE; without `{{language}}` the language instruction is appended). */
  promptTemplate?: string;
  temperature?: number;
  maxTokens?: number;
  /** Longest wait for the first byte and between deltas (default 30 s). */
  timeoutMs?: number;
  /** Retries before the first delta (default 2). */
  maxRetries?: number;
  /** Answers streaming at once (default 4). */
  concurrency?: number;
  /** First backoff delay (default 200 ms). */
  retryBaseDelayMs?: number;
  name?: string;
}

interface StreamEvent {
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown } }>;
  error?: { message?: unknown } | string;
}

export function createOpenAiChatAdvisor(options: OpenAiChatAdvisorOptions): Advisor {
  const endpoint = openAiEndpoint(options.url, 'chat/completions');
  const what = `chat ${endpoint} (${options.model})`;
  const template = options.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  checkPromptTemplate(template);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 2;
  const limiter = new Limiter(options.concurrency ?? 4);
  const headers = { ...jsonHeaders(options.apiKey), accept: 'text/event-stream' };
  const closing = new AbortController();

  const fail = (message: string, retriable = false): AuraError => new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: ${message}`, { retriable });

  /** The text of one stream event ('' for role-only or empty deltas). */
  const contentOf = (data: string): string => {
    let event: StreamEvent;
    try {
      event = JSON.parse(data) as StreamEvent;
    } catch {
      throw fail(`malformed stream event ${JSON.stringify(data.slice(0, 80))}`);
    }
    if (event.error) {
      const msg = typeof event.error === 'string' ? event.error : String(event.error.message ?? 'unknown error');
      throw fail(`the server reported an error mid-stream: ${msg}`);
    }
    const choice = event.choices?.[0];
    const content = choice?.delta?.content ?? choice?.message?.content;
    return typeof content === 'string' ? content : '';
  };

  async function* attempt(input: AdviceInput, parent: AbortSignal, onFirst: () => void): AsyncGenerator<string> {
    const scope = new CallScope(parent);
    const idle = scope.timer(timeoutMs, () => timeoutError(what, timeoutMs));
    try {
      const body = {
        model: options.model,
        messages: buildAdviceMessages(input, template),
        stream: true,
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
      };
      let res: Response;
      try {
        res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: scope.signal });
        if (!res.ok) throw await statusError(res, what);
      } catch (err) {
        throw scope.explain(err, what);
      }
      idle.rearm();
      if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // A server that ignores `stream: true` answers with one JSON completion: one piece.
        const text = contentOf(await readText(res, scope, what));
        if (text) yield text;
        return;
      }
      if (!res.body) throw fail('empty response body');
      try {
        for await (const data of sseData(res.body)) {
          idle.rearm();
          if (data.trim() === '[DONE]') return;
          const text = contentOf(data);
          if (text.length === 0) continue;
          onFirst();
          yield text;
        }
      } catch (err) {
        throw scope.explain(err, what);
      }
    } finally {
      scope.dispose(); // also cancels the body when our consumer stopped early
    }
  }

  return {
    name: options.name ?? `openai_chat:${options.model}`,
    async *advise(input: AdviceInput): AsyncGenerator<string> {
      if (closing.signal.aborted) throw fail('advisor is closed');
      // Bounds everything below — queueing for a slot, backoff, the stream — by the deadline.
      const outer = new CallScope(input.signal, closing.signal);
      if (Number.isFinite(input.deadline)) {
        outer.timer(input.deadline - Date.now(), () => new AuraError(ErrorCodes.DEADLINE_EXCEEDED, `${what}: the answer did not finish before the deadline`));
      }
      const giveUp = (err: unknown): AuraError | undefined => {
        if (input.signal.aborted) return undefined; // the caller stopped listening: end quietly
        if (outer.reason) return outer.reason;
        if (closing.signal.aborted) return fail('advisor closed during the request');
        return err instanceof AuraError ? err : fail(String(err));
      };
      let release: (() => void) | undefined;
      try {
        try {
          release = await limiter.acquire(outer.signal);
        } catch (err) {
          const e = giveUp(err);
          if (e) throw e;
          return;
        }
        let started = false;
        for (let n = 0; ; n++) {
          try {
            yield* attempt(input, outer.signal, () => (started = true));
            return;
          } catch (err) {
            const e = giveUp(err);
            if (!e) return;
            if (started || !isRetriable(e) || n >= maxRetries) throw e;
            const delay = backoffDelay(n, e, { baseDelayMs: options.retryBaseDelayMs });
            if (Date.now() + delay >= input.deadline) throw e;
            try {
              await sleep(delay, outer.signal);
            } catch (abortErr) {
              const stop = giveUp(abortErr);
              if (stop) throw stop;
              return;
            }
          }
        }
      } finally {
        release?.();
        outer.dispose();
      }
    },
    async close() {
      closing.abort();
    },
  };
}

async function readText(res: Response, scope: CallScope, what: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw scope.explain(err, what);
  }
}
