/**
 * `ingest`: upserts vectorized records into a vector sink resource and
 * forwards one `ingest-result` per point.
 */
import type { ProcessorSpec, ResourceRef } from '../types.js';
import { resourceRefSchema } from '../../schemas/fragments.js';

export interface IngestConfig {
  sink: string;
  batch_size: number;
}

const refs = (config: IngestConfig): ResourceRef[] => [{ path: ['sink'], id: config.sink, role: 'vector_sink' }];

export const ingestSpec: ProcessorSpec<IngestConfig> = {
  type: 'ingest',
  summary: 'Upserts vectorized records into a vector store (embedded or Qdrant) and forwards an ingest result per point.',
  description: `Takes \`vectorized-context\` records and upserts them into the \`sink\` resource: the
\`embedded\` vector store (SQLite, exact cosine search) or a Qdrant collection. The point id comes
from the record (\`point_id\`), so an upsert repeated after a crash replaces the same point:
at-least-once delivery still yields exactly one point per user and window.

Up to \`batch_size\` points go in one upsert; after the sink acknowledges, one \`ingest-result\`
(\`user_id\`, \`point_id\`, \`sink\`, \`upserted_at\`) is forwarded per record, which lets the
gateway report the processing status of an event.`,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['sink'],
    properties: {
      sink: resourceRefSchema('Id of a vector sink resource (`embedded` or `qdrant`).'),
      batch_size: { type: 'integer', minimum: 1, maximum: 4096, default: 64, description: 'Most points upserted in one call.' },
    },
  },
  async: true,
  defaultConcurrency: 2,
  examples: [
    {
      title: 'Upsert context vectors into the embedded vector store',
      yaml: `ingest_vectors:
  type: ingest
  from: context_vectorized
  to: vectordb_ingest
  config:
    sink: context_vectors
    batch_size: 64
`,
    },
  ],
  ports: () => ['default'],
  resources: (config) => refs(config).map((r) => r.id),
  resourceRefs: refs,
};
