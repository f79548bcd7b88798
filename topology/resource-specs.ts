/**
 * Resource types (`resources:` in pipeline.yaml): shared, per-process objects
 * that processors use through `context.getResource(id)`. One registry; the
 * compiler validates each resource's fields against its type's schema and checks
 * that processors refer to resources of the right role.
 */
import { durationSchema } from '../schemas/fragments.js';

export type ResourceRole = 'embedder' | 'vector_sink' | 'advisor';

export interface ResourceTypeSpec {
  type: string;
  role: ResourceRole;
  summary: string;
  /** JSON Schema of the resource's fields other than `type` (additionalProperties: false). */
  configSchema: Record<string, unknown>;
}

const urlSchema = (description: string) => ({ type: 'string', pattern: '^https?://', description });
const apiKeySchema = {
  type: 'string',
  description: 'API key sent as a bearer token. Write it as `${ENV_VAR}` rather than in the file.',
};

const maxRetriesSchema = (dflt: number, note = '') => ({
  type: 'integer',
  minimum: 0,
  maximum: 10,
  default: dflt,
  description: `Retries of a failed request (5xx, 429, timeout, network error) with exponential backoff${note}; other 4xx answers are not retried.`,
});
const concurrencySchema = (dflt: number, what: string) => ({
  type: 'integer',
  minimum: 1,
  maximum: 256,
  default: dflt,
  description: `${what} in flight at once for this resource, shared by every task of the process; more wait their turn.`,
});

function fields(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required, properties };
}

export const resourceSpecs: readonly ResourceTypeSpec[] = [
  {
    type: 'minilm',
    role: 'embedder',
    summary: 'all-MiniLM-L6-v2 (quantized ONNX, 384 dimensions) run in process: offline and deterministic.',
    configSchema: fields({
      model_dir: { type: 'string', description: 'Directory holding the model files. Default: the shared model cache (see DEVELOPERS.md).' },
    }),
  },
  {
    type: 'openai',
    role: 'embedder',
    summary: 'An OpenAI-compatible `/v1/embeddings` endpoint.',
    configSchema: fields(
      {
        url: urlSchema('Base URL of the API, with or without `/v1`: `https://api.openai.com/v1`, `http://localhost:11434` (Ollama), `http://vllm:8000`.'),
        model: { type: 'string', minLength: 1, description: 'Embedding model name.' },
        api_key: apiKeySchema,
        dimensions: {
          type: 'integer',
          minimum: 1,
          description: 'Vector size, sent to models that can shorten their vectors. Without it the size is learnt from the first answer.',
        },
        timeout: durationSchema('Per-request timeout.', '10s'),
        max_retries: maxRetriesSchema(3),
        concurrency: concurrencySchema(4, 'Requests'),
        batch_size: { type: 'integer', minimum: 1, maximum: 2048, default: 64, description: 'Texts per request.' },
      },
      ['url', 'model'],
    ),
  },
  {
    type: 'embedded',
    role: 'vector_sink',
    summary: 'The embedded vector store: SQLite, exact cosine search. No server needed.',
    configSchema: fields({ path: { type: 'string', minLength: 1, description: 'SQLite file of the store.' } }, ['path']),
  },
  {
    type: 'qdrant',
    role: 'vector_sink',
    summary: 'A Qdrant collection, through its REST API.',
    configSchema: fields(
      {
        url: urlSchema('Qdrant URL, e.g. `http://localhost:6333`.'),
        api_key: { ...apiKeySchema, description: 'Qdrant API key, sent in the `api-key` header. Write it as `${ENV_VAR}` rather than in the file.' },
        collection: { type: 'string', minLength: 1, description: 'Collection name (created with the embedder\'s dimensions when missing).' },
        timeout: durationSchema('Per-request timeout.', '30s'),
        max_retries: maxRetriesSchema(4),
        batch_size: { type: 'integer', minimum: 1, maximum: 10000, default: 256, description: 'Points per upsert request.' },
      },
      ['url', 'collection'],
    ),
  },
  {
    type: 'rules',
    role: 'advisor',
    summary: "The offline, rule-based Guardian: advice from the user's context window and retrieved history.",
    configSchema: fields({}),
  },
  {
    type: 'openai_chat',
    role: 'advisor',
    summary: 'An OpenAI-compatible chat completions endpoint, streamed.',
    configSchema: fields(
      {
        url: urlSchema('Base URL of the API, with or without `/v1`.'),
        model: { type: 'string', minLength: 1, description: 'Chat model name.' },
        api_key: apiKeySchema,
        prompt_template: {
          type: 'string',
          description:
            "System prompt; `{{context}}` (the user's context window), `{{history}}` (similar past contexts), `{{question}}` and `{{language}}` (the language to answer in, e.g. `Spanish (…)`) are replaced; without `{{language}}` an instruction to answer in the request's language is appended. The question is also sent as the user message. Default: a short wellness-coach prompt (providers/openai/prompt.ts).",
        },
        temperature: { type: 'number', minimum: 0, maximum: 2, description: 'Sampling temperature.' },
        max_tokens: { type: 'integer', minimum: 1, description: 'Longest answer, in tokens.' },
        timeout: durationSchema('Longest wait for the first token and between tokens. The whole answer is bounded by the request deadline.', '30s'),
        max_retries: maxRetriesSchema(2, ', only before the first token'),
        concurrency: concurrencySchema(4, 'Streamed answers'),
      },
      ['url', 'model'],
    ),
  },
];

const byType = new Map(resourceSpecs.map((spec) => [spec.type, spec]));

export function getResourceSpec(type: string): ResourceTypeSpec | undefined {
  return byType.get(type);
}

export const ROLE_LABELS: Record<ResourceRole, string> = {
  embedder: 'an embedder',
  vector_sink: 'a vector sink',
  advisor: 'an advisor',
};
