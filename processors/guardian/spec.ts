/**
 * `guardian`: answers advice requests (joined with the user's latest context)
 * with an advisor resource, streaming chunks and a final response.
 */
import { DEFAULT_LANGUAGE, type Language, LANGUAGES } from '../../providers/advisors/language.js';
import type { ProcessorSpec, ResourceRef } from '../types.js';
import { durationSchema, resourceRefSchema } from '../../schemas/fragments.js';

export interface GuardianConfig {
  advisor: string;
  vectors?: string;
  embedder?: string;
  top_k: number;
  chunk_words: number;
  default_deadline: string | number;
  default_language: Language;
}

function refs(config: GuardianConfig): ResourceRef[] {
  const out: ResourceRef[] = [{ path: ['advisor'], id: config.advisor, role: 'advisor' }];
  if (config.vectors !== undefined) out.push({ path: ['vectors'], id: config.vectors, role: 'vector_sink' });
  if (config.embedder !== undefined) out.push({ path: ['embedder'], id: config.embedder, role: 'embedder' });
  return out;
}

export const guardianSpec: ProcessorSpec<GuardianConfig> = {
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
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['advisor'],
    properties: {
      advisor: resourceRefSchema('Id of an advisor resource (`rules` or `openai_chat`).'),
      vectors: resourceRefSchema('Id of a vector sink resource to retrieve similar past contexts from. Without it (or without `embedder`), only the latest context is used.'),
      embedder: resourceRefSchema('Id of the embedder that vectorised the contexts: it embeds the question with the latest context summary to search `vectors`. Use the same embedder as `vectorize`.'),
      top_k: { type: 'integer', minimum: 1, maximum: 50, default: 3, description: 'How many similar past contexts are retrieved.' },
      chunk_words: { type: 'integer', minimum: 1, maximum: 500, default: 12, description: 'About how many words each streamed chunk carries.' },
      default_deadline: durationSchema('Deadline of requests that carry none, counted from `created_at`.', '30s'),
      default_language: {
        enum: [...LANGUAGES],
        default: DEFAULT_LANGUAGE,
        description: 'Language of the answer to requests that carry none (`AURA_DEFAULT_LANGUAGE` in pipeline.yaml). The gateway falls back to it too.',
      },
    },
  },
  async: true,
  defaultConcurrency: 8,
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
  resources: (config) => refs(config).map((r) => r.id),
  resourceRefs: refs,
};
