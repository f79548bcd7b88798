/** The `openai` resource type: an embedder over an OpenAI-compatible `/v1/embeddings` endpoint (embedder.ts). */
import { duration, integer, object, optional, string } from '../../schemas/config-schema.js';
import { API_KEY_DESCRIPTION, concurrencyField, maxRetriesField, urlField } from '../http/config-fields.js';
import { defineResource, optionalSecret } from '../resource.js';
import { createOpenAiEmbedder } from './embedder.js';

export const openAiEmbedderResource = defineResource({
  type: 'openai',
  role: 'embedder',
  summary: 'An OpenAI-compatible `/v1/embeddings` endpoint.',
  config: object({
    url: urlField('Base URL of the API, with or without `/v1`: `https://api.openai.com/v1`, `http://localhost:11434` (Ollama), `http://vllm:8000`.'),
    model: string({ minLength: 1, description: 'Embedding model name.' }),
    api_key: optional(string({ description: API_KEY_DESCRIPTION })),
    dimensions: optional(
      integer({ minimum: 1, description: 'Vector size, sent to models that can shorten their vectors. Without it the size is learnt from the first answer.' }),
    ),
    timeout: duration('Per-request timeout.', '10s'),
    max_retries: maxRetriesField(3),
    concurrency: concurrencyField(4, 'Requests'),
    batch_size: integer({ minimum: 1, maximum: 2048, default: 64, description: 'Texts per request.' }),
  }),
  create: (config) =>
    createOpenAiEmbedder({
      url: config.url,
      model: config.model,
      apiKey: optionalSecret(config.api_key),
      dimensions: config.dimensions,
      timeoutMs: config.timeout,
      maxRetries: config.max_retries,
      concurrency: config.concurrency,
      batchSize: config.batch_size,
    }),
});
