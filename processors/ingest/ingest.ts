/**
 * `ingest`: upserts vectorized contexts into the vector sink (embedded SQLite
 * store or Qdrant). Point ids are deterministic (user + window), so a replay
 * overwrites the same point instead of adding a duplicate. Concurrent records
 * are upserted in batches.
 */
import { MicroBatcher } from '../../common/micro-batcher.js';
import type { VectorPoint, VectorSink } from '../../providers/types.js';
import type { Processor, ProcessorContext } from '../types.js';

export interface IngestConfig {
  sink: string;
  batch_size?: number;
}

interface Vectorized {
  user_id: string;
  point_id: string;
  window_end: number;
  vector: number[];
  summary_text: string;
  context?: { version?: number; mood?: { avg?: number | null; trend?: string }; activity?: { minutes_by_kind?: Record<string, number> } };
}

export function createIngest(config: IngestConfig): Processor {
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
      }, config.batch_size ?? 64);
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
}
