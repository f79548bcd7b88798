/**
 * `guardian`: the reply side of AURA360's Kafka request-reply. For each
 * request (joined with the user's latest context) it retrieves similar past
 * contexts, streams the advisor's answer as numbered chunks on port `chunks`
 * and ends with one response on port `responses`, both carrying the request's
 * correlation id. A request already past its deadline is answered `timeout`
 * without calling the advisor; an advisor failure is answered `error` — the
 * client always hears back, in the request's language (`language`, else the
 * configured `default_language`), which the response records.
 */
import { toMillis as durationOr } from '../../schemas/duration.js';
import { errorCode, errorMessage } from '../../common/errors.js';
import { DEFAULT_LANGUAGE, type Language } from '../../providers/advisors/language.js';
import { phrase, sentence } from '../../providers/advisors/phrasebook.js';
import type { Advisor, AggregatedContext, Embedder, VectorHit, VectorSink } from '../../providers/types.js';
import type { Processor, ProcessorContext, StreamRecord } from '../types.js';
import { unpackRequest } from './request.js';
import { rechunk } from './rechunk.js';

export interface GuardianConfig {
  advisor: string;
  vectors?: string;
  embedder?: string;
  top_k?: number;
  chunk_words?: number;
  default_deadline?: string | number;
  default_language?: Language;
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

export function createGuardian(config: GuardianConfig): Processor {
  let ctx!: ProcessorContext;
  let advisor!: Advisor;
  let vectors: VectorSink | undefined;
  let embedder: Embedder | undefined;
  const defaultDeadline = durationOr(config.default_deadline, 30_000);
  const defaultLanguage = config.default_language ?? DEFAULT_LANGUAGE;
  const chunkWords = config.chunk_words ?? 12;

  async function history(userId: string, question: string, context: AggregatedContext | null): Promise<VectorHit[]> {
    if (!vectors || !embedder) return [];
    const [query] = await embedder.embed([context ? `${question} ${context.summary_text}` : question]);
    return vectors.search({ vector: query!, userId, topK: config.top_k ?? 3 });
  }

  return {
    init(c) {
      ctx = c;
      advisor = c.getResource<Advisor>(config.advisor);
      if (config.vectors) vectors = c.getResource<VectorSink>(config.vectors);
      if (config.embedder) embedder = c.getResource<Embedder>(config.embedder);
    },
    async process(record: StreamRecord) {
      const { request, context } = unpackRequest(record.value, defaultDeadline, defaultLanguage);
      const { language } = request;
      const base = { correlation_id: request.correlation_id, user_id: request.user_id };
      const out = (port: 'chunks' | 'responses', value: Record<string, unknown>): void =>
        ctx.forward({ key: record.key ?? request.user_id, value: { ...base, ...value }, timestamp: record.timestamp, headers: record.headers }, port);
      let seq = 0;
      const parts: string[] = [];
      const send = async (pieces: AsyncIterable<string>, stop?: AbortSignal): Promise<void> => {
        for await (const text of rechunk(pieces, chunkWords)) {
          if (stop?.aborted) break;
          parts.push(text);
          out('chunks', { seq: seq++, text, final: false });
        }
      };
      // The last chunk, then the response: what was streamed, in the request's language; the status and error code stay language-neutral.
      const finish = async (status: 'ok' | 'timeout' | 'error', extra: Record<string, unknown> = {}): Promise<void> => {
        // On timeout and error the user still hears back, in their language, after whatever the advisor said.
        if (status !== 'ok') await send(once(sentence(phrase(status === 'timeout' ? 'guardian.timeout' : 'guardian.error'), language)));
        out('chunks', { seq: seq++, text: '', final: true });
        out('responses', { status, chunks: seq, advice: parts.join(' '), language, context_version: context?.version ?? null, created_at: ctx.wallClockTime(), ...extra });
      };

      if (ctx.wallClockTime() >= request.deadline) {
        await finish('timeout', { error: { code: 'DEADLINE_EXCEEDED', message: 'the request reached the Guardian after its deadline' } });
        return;
      }
      const abort = new AbortController();
      // setTimeout overflows past 2^31-1 ms (then fires at once): cap far deadlines.
      const timer = setTimeout(() => abort.abort(), Math.min(2 ** 31 - 1, Math.max(0, request.deadline - ctx.wallClockTime())));
      try {
        const hits = await history(request.user_id, request.question, context);
        const sources = hits.map((h) => ({ point_id: h.id, score: Math.round(h.score * 1e4) / 1e4, window_end: h.payload.window_end }));
        await send(advisor.advise({ question: request.question, userId: request.user_id, context, history: hits, language, deadline: request.deadline, signal: abort.signal }), abort.signal);
        if (abort.signal.aborted) {
          await finish('timeout', { sources, error: { code: 'DEADLINE_EXCEEDED', message: 'the advisor did not finish before the deadline' } });
        } else {
          await finish('ok', { sources });
        }
      } catch (err) {
        await finish('error', { error: { code: errorCode(err), message: errorMessage(err) } });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
