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
        url: urlSchema('Base URL of the API, e.g. `https://api.openai.com/v1`.'),
        model: { type: 'string', minLength: 1, description: 'Embedding model name.' },
        api_key: apiKeySchema,
        dimensions: { type: 'integer', minimum: 1, description: 'Requested vector size (models that support shortening).' },
        timeout: durationSchema('Per-request timeout.', '10s'),
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
        api_key: apiKeySchema,
        collection: { type: 'string', minLength: 1, description: 'Collection name (created with the embedder\'s dimensions when missing).' },
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
        url: urlSchema('Base URL of the API.'),
        model: { type: 'string', minLength: 1, description: 'Chat model name.' },
        api_key: apiKeySchema,
        prompt_template: { type: 'string', description: 'System prompt; `{{context}}`, `{{history}}` and `{{question}}` are replaced.' },
        temperature: { type: 'number', minimum: 0, maximum: 2, description: 'Sampling temperature.' },
        timeout: durationSchema('Per-request timeout.', '30s'),
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
