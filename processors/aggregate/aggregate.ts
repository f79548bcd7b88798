/**
 * `aggregate`: stateful folding by key, per window. One processor covers the
 * generic aggregations (count/sum/avg/min/max/last/collect over fields) on
 * tumbling, hopping, sliding, session and context windows, and the AURA360
 * per-user context window (`preset: context_window`).
 */
import { toMillis as durationOr } from '../../schemas/duration.js';
import { compilePath } from '../../common/path.js';
import type { Processor, ProcessorContext, StreamRecord } from '../types.js';
import { compileAggregations } from './accumulators.js';
import { contextWindowProcessor, eventTime } from './context-window.js';
import type { AggregateConfig } from './spec.js';
import { keyedFoldProcessor } from './keyed-fold.js';
import { slidingWindowProcessor } from './sliding-window.js';
import { sessionWindowProcessor, timeWindowProcessor } from './time-windows.js';

/** What the preset folds when no window is given (as its spec documents). */
const PRESET_WINDOW: NonNullable<AggregateConfig['window']> = { type: 'context', max_events: 50, span: '7d' };

export function createAggregate(config: AggregateConfig, stores: string[]): Processor {
  const aggregations = compileAggregations(config.aggregations);
  const keyPath = config.key ? compilePath(config.key) : undefined;
  const keyOf = (r: StreamRecord): string | null => {
    if (!keyPath) return r.key;
    const k = keyPath(r.value);
    return k === undefined || k === null ? null : String(k);
  };
  const storeName = stores[0]!; // the compiler checked the node declares one store of the right kind
  // No window: a generic aggregate folds every record of its key; the preset uses its default window.
  const w = config.window ?? (config.preset === 'context_window' ? PRESET_WINDOW : undefined);
  let handle: (record: StreamRecord) => void = () => undefined;
  return {
    init(ctx: ProcessorContext) {
      if (!w) {
        handle = keyedFoldProcessor(ctx, { storeName, aggregations, keyOf });
        return;
      }
      const grace = durationOr(w.grace, 0);
      switch (w.type) {
        case 'context':
          handle = contextWindowProcessor(ctx, {
            storeName,
            maxEvents: w.max_events ?? 50,
            spanMs: durationOr(w.span, Number.MAX_SAFE_INTEGER),
            preset: config.preset === 'context_window',
            aggregations,
            keyOf,
          });
          break;
        case 'sliding':
          // A window store, as the spec asks the compiler to check (the context window uses a key-value store).
          handle = slidingWindowProcessor(ctx, { storeName, sizeMs: durationOr(w.size, 60_000), graceMs: grace, aggregations, keyOf, timeOf: eventTime });
          break;
        case 'tumbling':
        case 'hopping': {
          const size = durationOr(w.size, 60_000);
          handle = timeWindowProcessor(ctx, {
            storeName,
            sizeMs: size,
            advanceMs: w.type === 'hopping' ? durationOr(w.advance, size) : size,
            graceMs: grace,
            emitOnClose: config.emit === 'on_window_close',
            aggregations,
            keyOf,
            timeOf: eventTime,
          });
          break;
        }
        case 'session':
          handle = sessionWindowProcessor(ctx, { storeName, gapMs: durationOr(w.gap, 300_000), graceMs: grace, aggregations, keyOf, timeOf: eventTime });
          break;
      }
    },
    process(record) {
      handle(record);
    },
  };
}

export type { AggregateConfig };
