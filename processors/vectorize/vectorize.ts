/**
 * `vectorize`: embeds each aggregated context's text with the configured
 * embedder. Concurrent records share embedder batches (MicroBatcher), which is
 * where the throughput comes from; per-key order is kept by the runtime lane.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { MicroBatcher } from '../../common/micro-batcher.js';
import { compilePath } from '../../common/path.js';
import { type Embedder, pointId } from '../../providers/types.js';
import { fieldPath, integer, object, resourceRef } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import type { ProcessorContext } from '../types.js';

/** Six decimals keep cosine scores exact to ~1e-6 and halve the JSON size. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export const vectorizeProcessor = defineProcessor({
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

A record without text (nothing at \`text\`, not a string, or only blanks) is a processing error
(\`SCHEMA_VIOLATION\`), counted in the node's errors and handled by its \`on_error\` policy: \`skip\`
drops it (counted as skipped), \`dead_letter\` sends it to the dead letter topic, \`fail\` stops
the pipeline. To embed a field that some records lack, such as a note, set \`on_error: skip\`.`,
  config: object({
    embedder: resourceRef('Id of an embedder resource (`minilm` or `openai`).'),
    text: fieldPath('Dotted path of the text to embed.', 'summary_text'),
    batch_size: integer({ minimum: 1, maximum: 1024, default: 32, description: 'Most texts sent to the embedder in one call.' }),
  }),
  async: { defaultConcurrency: 4 },
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
      title: 'Embed activity notes in batches of 64, skipping activities without a note',
      yaml: `embed_notes:
  type: vectorize
  from: activity_events
  to: note_vectors
  on_error: skip
  config:
    embedder: remote_embedder
    text: data.note
    batch_size: 64
`,
    },
  ],
  resourceRefs: (config) => [{ path: ['embedder'], id: config.embedder, role: 'embedder' }],
  create(config) {
    const textOf = compilePath(config.text);
    let ctx!: ProcessorContext;
    let embedder!: Embedder;
    let batcher!: MicroBatcher<string, Float32Array>;
    return {
      init(c) {
        ctx = c;
        embedder = c.getResource<Embedder>(config.embedder);
        batcher = new MicroBatcher((texts) => embedder.embed(texts), config.batch_size);
      },
      async process(record) {
        const value = record.value as Record<string, unknown> & { user_id?: string; window?: { start?: number; end?: number } };
        const text = textOf(value);
        if (typeof text !== 'string' || text.trim() === '') {
          throw new AuraError(ErrorCodes.SCHEMA_VIOLATION, `no text to embed at "${config.text}"`);
        }
        const vector = await batcher.call(text);
        const userId = String(value.user_id ?? record.key ?? '');
        const start = value.window?.start ?? record.timestamp;
        const end = value.window?.end ?? record.timestamp;
        ctx.forward({
          key: record.key,
          value: {
            user_id: userId,
            point_id: pointId(userId, start, end),
            window_end: end,
            model: embedder.model,
            dims: embedder.dims,
            vector: Array.from(vector, round6),
            summary_text: text,
            context: value,
          },
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  },
});
