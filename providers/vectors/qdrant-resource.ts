/** The `qdrant` resource type: a vector sink over a Qdrant collection, through its REST API (qdrant.ts). */
import { duration, integer, object, optional, string } from '../../schemas/config-schema.js';
import { maxRetriesField, urlField } from '../http/config-fields.js';
import { defineResource, optionalSecret } from '../resource.js';
import { createQdrantVectorSink } from './qdrant.js';

export const qdrantResource = defineResource({
  type: 'qdrant',
  role: 'vector_sink',
  summary: 'A Qdrant collection, through its REST API.',
  config: object({
    url: urlField('Qdrant URL, e.g. `http://localhost:6333`.'),
    api_key: optional(string({ description: 'Qdrant API key, sent in the `api-key` header. Write it as `${ENV_VAR}` rather than in the file.' })),
    collection: string({ minLength: 1, description: "Collection name (created with the embedder's dimensions when missing)." }),
    timeout: duration('Per-request timeout.', '30s'),
    max_retries: maxRetriesField(4),
    batch_size: integer({ minimum: 1, maximum: 10000, default: 256, description: 'Points per upsert request.' }),
  }),
  create: (config, context) =>
    createQdrantVectorSink({
      url: config.url,
      apiKey: optionalSecret(config.api_key),
      collection: config.collection,
      timeoutMs: config.timeout,
      maxRetries: config.max_retries,
      batchSize: config.batch_size,
      name: context.id,
    }),
});
