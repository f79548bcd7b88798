/**
 * `vectorize`: embeds a text field of each record with an embedder resource
 * and forwards the record with its vector (the `vectorized-context` event).
 */
import type { ProcessorSpec, ResourceRef } from '../types.js';
import { fieldPathSchema, resourceRefSchema } from '../../schemas/fragments.js';

export interface VectorizeConfig {
  embedder: string;
  text: string;
  batch_size: number;
}

const refs = (config: VectorizeConfig): ResourceRef[] => [{ path: ['embedder'], id: config.embedder, role: 'embedder' }];

export const vectorizeSpec: ProcessorSpec<VectorizeConfig> = {
  type: 'vectorize',
  summary: 'Embeds a text field of each record with an embedder resource and forwards the record with its vector.',
  description: `Reads the text at \`text\` (a dotted path, \`summary_text\` by default), embeds it with the
\`embedder\` resource (\`minilm\` in process, or an OpenAI-compatible \`/v1/embeddings\` endpoint)
and forwards a \`vectorized-context\` value: \`user_id\`, a deterministic \`point_id\` (the same
user and window always map to the same point, so re-processing after a crash overwrites rather
than duplicates), \`window_end\`, \`model\`, \`dims\`, \`vector\`, \`summary_text\` and the input as
\`context\`.

Records waiting for the embedder are grouped into batches of up to \`batch_size\` texts; up to
\`concurrency\` batches are in flight per task while the order of records per key is kept.
Records without text are skipped (and counted).`,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['embedder'],
    properties: {
      embedder: resourceRefSchema('Id of an embedder resource (`minilm` or `openai`).'),
      text: fieldPathSchema('Dotted path of the text to embed.', 'summary_text'),
      batch_size: { type: 'integer', minimum: 1, maximum: 1024, default: 32, description: 'Most texts sent to the embedder in one call.' },
    },
  },
  async: true,
  defaultConcurrency: 4,
  examples: [
    {
      title: "Embed each user's context summary with the in-process MiniLM model",
      yaml: `vectorize_context:
  type: vectorize
  from: context_aggregated
  to: context_vectorized
  concurrency: 4
  config:
    embedder: embedder
    text: summary_text
`,
    },
    {
      title: 'Embed activity notes in batches of 64',
      yaml: `embed_notes:
  type: vectorize
  from: activity_events
  to: note_vectors
  config:
    embedder: remote_embedder
    text: data.note
    batch_size: 64
`,
    },
  ],
  ports: () => ['default'],
  resources: (config) => refs(config).map((r) => r.id),
  resourceRefs: refs,
};
