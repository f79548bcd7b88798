/**
 * `ingest`: upserts vectorized contexts into the vector sink (embedded SQLite
 * store or Qdrant). Point ids are deterministic (user + window), so a replay
 * overwrites the same point instead of adding a duplicate. Concurrent records
 * are upserted in batches.
 */
import { MicroBatcher } from '../../common/micro-batcher.js';
import type { VectorPoint, VectorSink } from '../../providers/types.js';
import { integer, object, resourceRef } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import type { ProcessorContext } from '../types.js';

interface Vectorized {
  user_id: string;
  point_id: string;
  window_end: number;
  vector: number[];
  summary_text: string;
  context?: { version?: number; mood?: { avg?: number | null; trend?: string }; activity?: { minutes_by_kind?: Record<string, number> } };
}

export const ingestProcessor = defineProcessor({
  type: 'ingest',
  summary: 'Upserts vectorized records into a vector store (embedded or Qdrant) and forwards an ingest result per point.',
  description: `Takes \`vectorized-context\` records and upserts them into the \`sink\` resource: the
\`embedded\` vector store (SQLite, exact cosine search) or a Qdrant collection. The point id comes
from the record (\`point_id\`), so an upsert repeated after a crash replaces the same point:
at-least-once delivery still yields exactly one point per user and window.

Up to \`batch_size\` points go in one upsert; after the sink acknowledges, one \`ingest-result\`
(\`user_id\`, \`point_id\`, \`sink\`, \`upserted_at\`) is forwarded per record, which lets the
gateway report the processing status of an event.`,
  config: object({
    sink: resourceRef('Id of a vector sink resource (`embedded` or `qdrant`).'),
    batch_size: integer({ minimum: 1, maximum: 4096, default: 64, description: 'Most points upserted in one call.' }),
  }),
  async: { defaultConcurrency: 2 },
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
  resourceRefs: (config) => [{ path: ['sink'], id: config.sink, role: 'vector_sink' }],
  create(config) {
    let ctx!: ProcessorContext;
    let sink!: VectorSink;
    let batcher!: MicroBatcher<VectorPoint, undefined>;
    let ensured: Promise<void> | undefined;
    return {
      init(c) {
        ctx = c;
        sink = c.getResource<VectorSink>(config.sink);
        batcher = new MicroBatcher(async (points) => {
          await sink.upsert(points);
          return points.map(() => undefined);
        }, config.batch_size);
      },
      async process(record) {
        const v = record.value as Vectorized;
        // Once per task; a failure (sink down) is retried with the next record instead of sticking.
        ensured ??= sink.ensureCollection(v.vector.length).catch((err) => {
          ensured = undefined;
          throw err;
        });
        await ensured;
        await batcher.call({
          id: v.point_id,
          vector: v.vector,
          payload: {
            user_id: v.user_id,
            window_end: v.window_end,
            summary_text: v.summary_text,
            version: v.context?.version ?? null,
            mood_avg: v.context?.mood?.avg ?? null,
            mood_trend: v.context?.mood?.trend ?? null,
            minutes_by_kind: v.context?.activity?.minutes_by_kind ?? {},
          },
        });
        ctx.forward({
          key: record.key,
          value: { user_id: v.user_id, point_id: v.point_id, sink: sink.name, upserted_at: record.timestamp },
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  },
});
