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
import { errorCode, errorMessage } from '../../common/errors.js';
import { DEFAULT_LANGUAGE, LANGUAGES } from '../../providers/advisors/language.js';
import { phrase, sentence } from '../../providers/advisors/phrasebook.js';
import type { Advisor, AggregatedContext, Embedder, VectorHit, VectorSink } from '../../providers/types.js';
import { type Config, duration, enumOf, integer, object, optional, resourceRef } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import type { Processor, ProcessorContext, ResourceRef, StreamRecord } from '../types.js';
import { rechunk } from './rechunk.js';
import { unpackRequest } from './request.js';

const guardianConfig = object({
  advisor: resourceRef('Id of an advisor resource (`rules` or `openai_chat`).'),
  vectors: optional(
    resourceRef('Id of a vector sink resource to retrieve similar past contexts from. Without it (or without `embedder`), only the latest context is used.'),
  ),
  embedder: optional(
    resourceRef(
      'Id of the embedder that vectorised the contexts: it embeds the question with the latest context summary to search `vectors`. Use the same embedder as `vectorize`.',
    ),
  ),
  top_k: integer({ minimum: 1, maximum: 50, default: 3, description: 'How many similar past contexts are retrieved.' }),
  chunk_words: integer({ minimum: 1, maximum: 500, default: 12, description: 'About how many words each streamed chunk carries.' }),
  default_deadline: duration('Deadline of requests that carry none, counted from `created_at`.', '30s'),
  default_language: enumOf(LANGUAGES, {
    default: DEFAULT_LANGUAGE,
    description: 'Language of the answer to requests that carry none (`AURA_DEFAULT_LANGUAGE` in pipeline.yaml). The gateway falls back to it too.',
  }),
});

type GuardianConfig = Config<typeof guardianConfig>;

export const guardianProcessor = defineProcessor({
  type: 'guardian',
  summary: "Answers Guardian advice requests from the user's context and similar past contexts, streaming the answer in chunks.",
  description: `The Guardian side of AURA360's Kafka request-reply. Its input is a \`guardian-request\` joined
with the user's latest \`aggregated-context\` (a \`stream_table\` join, \`left\` kind, so users
without history still get an answer): \`{ request, context }\`. A bare \`guardian-request\` is
accepted too; the advice then rests on the retrieved history alone.

For each request it retrieves the \`top_k\` most similar past contexts of the same user from
the \`vectors\` resource (when set), asks the \`advisor\` resource (\`rules\`, offline, or an
OpenAI-compatible chat model) for advice, and emits the answer progressively:

- port \`chunks\`: \`guardian-chunk\` records of about \`chunk_words\` words (\`seq\` from 0, the
  last one with \`final: true\`), which the gateway relays over WebSocket;
- port \`responses\`: one \`guardian-response\` with the whole advice, its sources and status.

Both are keyed by the user id and carry the request's
\`correlation_id\`. A request whose \`deadline\` (or \`created_at\` + \`default_deadline\`) has
passed is answered with \`status: timeout\` without calling the advisor; an advisor failure gives
\`status: error\` with a code, never a lost request.

The answer is in the request's \`language\` (\`es\` or \`en\`; the gateway chooses it, see
docs/gateway.md, "Language"); a request without one (another producer's) is answered in
\`default_language\`. The response records the language it was answered in. On \`timeout\` and
\`error\` the Guardian streams one sentence of its own in that language ("I couldn't finish my
answer in time…") after whatever the advisor said, so the user always hears back in words; the
\`status\` and \`error.code\` stay language-neutral codes.`,
  config: guardianConfig,
  async: { defaultConcurrency: 8 },
  examples: [
    {
      title: 'The AURA360 Guardian: rule-based advice over the user context and similar past contexts',
      yaml: `guardian:
  type: guardian
  from: requests_with_context
  to:
    responses: guardian_responses
    chunks: guardian_chunks
  config:
    advisor: advisor
    vectors: context_vectors
    top_k: 3
    default_language: \${AURA_DEFAULT_LANGUAGE:-es}
`,
    },
    {
      title: 'An LLM advisor with larger chunks and a longer default deadline',
      yaml: `llm_guardian:
  type: guardian
  from: guardian_requests
  to:
    responses: guardian_responses
    chunks: guardian_chunks
  concurrency: 16
  config:
    advisor: chat_advisor
    chunk_words: 30
    default_deadline: 1m
`,
    },
  ],
  ports: () => ['responses', 'chunks'],
  resourceRefs(config) {
    const out: ResourceRef[] = [{ path: ['advisor'], id: config.advisor, role: 'advisor' }];
    if (config.vectors !== undefined) out.push({ path: ['vectors'], id: config.vectors, role: 'vector_sink' });
    if (config.embedder !== undefined) out.push({ path: ['embedder'], id: config.embedder, role: 'embedder' });
    return out;
  },
  // A request without a key is answered under its user_id.
  changesKey: () => true,
  create: (config) => createGuardian(config),
});

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

function createGuardian(config: GuardianConfig): Processor {
  let ctx!: ProcessorContext;
  let advisor!: Advisor;
  let vectors: VectorSink | undefined;
  let embedder: Embedder | undefined;

  async function history(userId: string, question: string, context: AggregatedContext | null): Promise<VectorHit[]> {
    if (!vectors || !embedder) return [];
    const [query] = await embedder.embed([context ? `${question} ${context.summary_text}` : question]);
    return vectors.search({ vector: query!, userId, topK: config.top_k });
  }

  return {
    init(c) {
      ctx = c;
      advisor = c.getResource<Advisor>(config.advisor);
      if (config.vectors) vectors = c.getResource<VectorSink>(config.vectors);
      if (config.embedder) embedder = c.getResource<Embedder>(config.embedder);
    },
    async process(record: StreamRecord) {
      const { request, context } = unpackRequest(record.value, config.default_deadline, config.default_language);
      const { language } = request;
      const base = { correlation_id: request.correlation_id, user_id: request.user_id };
      const out = (port: 'chunks' | 'responses', value: Record<string, unknown>): void =>
        ctx.forward({ key: record.key ?? request.user_id, value: { ...base, ...value }, timestamp: record.timestamp, headers: record.headers }, port);
      let seq = 0;
      const parts: string[] = [];
      const send = async (pieces: AsyncIterable<string>, stop?: AbortSignal): Promise<void> => {
        for await (const text of rechunk(pieces, config.chunk_words)) {
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
        out('responses', {
          status,
          chunks: seq,
          advice: parts.join(' '),
          language,
          context_version: context?.version ?? null,
          created_at: ctx.wallClockTime(),
          ...extra,
        });
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
        await send(
          advisor.advise({
            question: request.question,
            userId: request.user_id,
            context,
            history: hits,
            language,
            deadline: request.deadline,
            signal: abort.signal,
          }),
          abort.signal,
        );
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
