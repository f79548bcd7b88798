/**
 * `vectorize`: embeds each aggregated context's text with the configured
 * embedder. Concurrent records share embedder batches (MicroBatcher), which is
 * where the throughput comes from; per-key order is kept by the runtime lane.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { MicroBatcher } from '../../common/micro-batcher.js';
import { compilePath } from '../../common/path.js';
import { type Embedder, pointId } from '../../providers/types.js';
import type { Processor, ProcessorContext } from '../types.js';

export interface VectorizeConfig {
  embedder: string;
  text?: string;
  batch_size?: number;
}

/** Six decimals keep cosine scores exact to ~1e-6 and halve the JSON size. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function createVectorize(config: VectorizeConfig): Processor {
  const textOf = compilePath(config.text ?? 'summary_text');
  let ctx!: ProcessorContext;
  let embedder!: Embedder;
  let batcher!: MicroBatcher<string, Float32Array>;
  return {
    init(c) {
      ctx = c;
      embedder = c.getResource<Embedder>(config.embedder);
      batcher = new MicroBatcher((texts) => embedder.embed(texts), config.batch_size ?? 32);
    },
    async process(record) {
      const value = record.value as Record<string, unknown> & { user_id?: string; window?: { start?: number; end?: number } };
      const text = textOf(value);
      if (typeof text !== 'string' || text.trim() === '') {
        throw new AuraError(ErrorCodes.SCHEMA_VIOLATION, `no text to embed at "${config.text ?? 'summary_text'}"`);
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
}
