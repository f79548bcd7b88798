/**
 * `guardian`: the reply side of AURA360's Kafka request-reply. For each
 * request (joined with the user's latest context) it retrieves similar past
 * contexts, streams the advisor's answer as numbered chunks on port `chunks`
 * and ends with one response on port `responses`, both carrying the request's
 * correlation id. A request already past its deadline is answered `timeout`
 * without calling the advisor; an advisor failure is answered `error` — the
 * client always hears back.
 */
import { toMillis as durationOr } from '../../schemas/duration.js';
import { errorCode, errorMessage } from '../../common/errors.js';
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
}

export function createGuardian(config: GuardianConfig): Processor {
  let ctx!: ProcessorContext;
  let advisor!: Advisor;
  let vectors: VectorSink | undefined;
  let embedder: Embedder | undefined;
  const defaultDeadline = durationOr(config.default_deadline, 30_000);

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
      const { request, context } = unpackRequest(record.value, defaultDeadline);
      const base = { correlation_id: request.correlation_id, user_id: request.user_id };
      const out = (port: 'chunks' | 'responses', value: Record<string, unknown>): void =>
        ctx.forward({ key: record.key ?? request.user_id, value: { ...base, ...value }, timestamp: record.timestamp, headers: record.headers }, port);
      const respond = (status: 'ok' | 'timeout' | 'error', extra: Record<string, unknown>): void =>
        out('responses', { status, chunks: 0, context_version: context?.version ?? null, created_at: ctx.wallClockTime(), ...extra });

      if (ctx.wallClockTime() >= request.deadline) {
        respond('timeout', { error: { code: 'DEADLINE_EXCEEDED', message: 'the request reached the Guardian after its deadline' } });
        return;
      }
      const abort = new AbortController();
      // setTimeout overflows past 2^31-1 ms (then fires at once): cap far deadlines.
      const timer = setTimeout(() => abort.abort(), Math.min(2 ** 31 - 1, Math.max(0, request.deadline - ctx.wallClockTime())));
      let seq = 0;
      const parts: string[] = [];
      try {
        const hits = await history(request.user_id, request.question, context);
        const pieces = advisor.advise({ question: request.question, userId: request.user_id, context, history: hits, deadline: request.deadline, signal: abort.signal });
        for await (const text of rechunk(pieces, config.chunk_words ?? 12)) {
          if (abort.signal.aborted) break;
          parts.push(text);
          out('chunks', { seq: seq++, text, final: false });
        }
        out('chunks', { seq: seq++, text: '', final: true });
        const sources = hits.map((h) => ({ point_id: h.id, score: Math.round(h.score * 1e4) / 1e4, window_end: h.payload.window_end }));
        if (abort.signal.aborted) {
          respond('timeout', { chunks: seq, advice: parts.join(' '), sources, error: { code: 'DEADLINE_EXCEEDED', message: 'the advisor did not finish before the deadline' } });
        } else {
          respond('ok', { chunks: seq, advice: parts.join(' '), sources });
        }
      } catch (err) {
        out('chunks', { seq: seq++, text: '', final: true });
        respond('error', { chunks: seq, error: { code: errorCode(err), message: errorMessage(err) } });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
