/**
 * `aggregate`: stateful folding by key, per window. One processor covers the
 * generic aggregations (count/sum/avg/min/max/last/collect over fields) on
 * tumbling, hopping, sliding, session and context windows, and the AURA360
 * per-user context window (`preset: context_window`). Its config: config.ts.
 */
import { compilePath } from '../../common/path.js';
import { parseConfig } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import type { Processor, ProcessorContext, StreamRecord } from '../types.js';
import { compileAggregations } from './accumulators.js';
import { type AggregateConfig, aggregateConfig, aggregateStore, checkAggregate, PRESET_WINDOW, windowSchema } from './config.js';
import { contextWindowProcessor, eventTime } from './context-window.js';
import { keyedFoldProcessor } from './keyed-fold.js';
import { slidingWindowProcessor } from './sliding-window.js';
import { sessionWindowProcessor, timeWindowProcessor } from './time-windows.js';

export const aggregateProcessor = defineProcessor({
  type: 'aggregate',
  summary: 'Folds the records of each key (optionally per window) into an aggregate kept in a store.',
  description: `Groups records by key — the record key, or the value at \`key\` — and folds them into an
aggregate kept in the processor's store, which is change-logged so it survives restarts and moves
with its partition. After each record (\`emit: on_update\`, the default), once per commit with the
latest aggregate of each key (\`emit: on_commit\`, through the task's record cache — see
[record-cache.md](../record-cache.md)) or when a window closes (\`emit: on_window_close\`) the
aggregate is forwarded downstream, keyed by the group key.

**Windows.** \`tumbling\`, \`hopping\` and \`sliding\` windows need a \`window\` store; \`session\`
windows a \`session\` store; unwindowed aggregates and \`context\` windows a \`key_value\` store.
Time is event time (the value's \`time\` when it has one, else the record timestamp) and stream time
(the highest record timestamp seen) decides what is late. A tumbling or hopping window
[\`start\`, \`start + size\`) closes when stream time reaches its end plus \`grace\`; a later record for
it is dropped, and with \`emit: on_window_close\` (tumbling and hopping only) its final result is
emitted then, once. A record
of a \`sliding\` window emits the aggregate of its key's records within \`size\` before it
([\`t − size\`, \`t\`]), and is dropped when more than \`grace\` behind stream time. A \`session\` grows
with each record within \`gap\` of it and merges the sessions a record bridges; a record more than
\`gap + grace\` behind stream time is dropped. Without a window, every record of a key is folded.

**Aggregations.** Each named aggregation becomes a field of the emitted value: \`count\`, \`sum\`,
\`avg\`, \`min\`, \`max\` and \`last\` of a \`field\`, or \`collect\` (the newest \`limit\` values).
Records without the field are skipped by that aggregation. The emitted value also carries \`key\`
and, when windowed, \`window\` (\`start\`, \`end\`, epoch ms).

**Preset \`context_window\`.** The AURA360 per-user wellness context: the last \`max_events\`
events within \`span\`, summarised as the \`aggregated-context\` event (mood average, latest and
trend, activity minutes by kind, latest ikigai dimensions, recent notes, counts, window bounds and
a \`summary_text\` that the \`vectorize\` processor embeds). A context window's events are stored
one segment row per commit (the events added since the previous one) beside a small head row, so a
commit does not rewrite whole windows ([record-cache.md](../record-cache.md#the-context-windows-state)).`,
  config: aggregateConfig,
  examples: [
    {
      title: 'The AURA360 context window (last 50 events within 7 days, per user), its latest version once per commit',
      yaml: `aggregate_context:
  type: aggregate
  from: user_events
  to: context_aggregated
  store: user_context
  config:
    preset: context_window
    window: { type: context, max_events: 50, span: 7d }
    emit: on_commit
`,
    },
    {
      title: 'Hourly mood statistics per user, emitted when each hour closes',
      yaml: `hourly_mood:
  type: aggregate
  from: mood_events
  to: mood_hourly
  store: mood_hourly_store
  config:
    window: { type: tumbling, size: 1h, grace: 5m }
    emit: on_window_close
    aggregations:
      entries: { op: count }
      avg_score: { op: avg, field: data.score }
      lowest: { op: min, field: data.score }
`,
    },
    {
      title: "Each user's activity over the last day, updated every hour (hopping window)",
      yaml: `daily_activity:
  type: aggregate
  from: activity_events
  to: activity_daily
  store: activity_daily_store
  config:
    window: { type: hopping, size: 1d, advance: 1h }
    aggregations:
      minutes: { op: sum, field: data.minutes }
      sessions: { op: count }
      recent_notes: { op: collect, field: data.note, limit: 5 }
`,
    },
  ],
  storeRequirement: aggregateStore,
  check: checkAggregate,
  // Grouped by a field of the value, results carry that field as their key.
  changesKey: (config) => config.key !== undefined,
  create: (config, node) => createAggregate(config, node.stores),
});

function createAggregate(config: AggregateConfig, stores: string[]): Processor {
  const aggregations = compileAggregations(config.aggregations);
  const keyPath = config.key ? compilePath(config.key) : undefined;
  const keyOf = (r: StreamRecord): string | null => {
    if (!keyPath) return r.key;
    const k = keyPath(r.value);
    return k === undefined || k === null ? null : String(k);
  };
  const storeName = stores[0]!; // the compiler checked the node declares one store of the right kind
  // No window: a generic aggregate folds every record of its key; the preset uses its default window.
  const w = config.window ?? (config.preset === 'context_window' ? parseConfig(windowSchema, PRESET_WINDOW) : undefined);
  // emit on_commit: updates go through the task's record cache (checkAggregate allows it where it merges anything).
  const cache = config.emit === 'on_commit' ? { maxBytes: config.cache_max_bytes } : null;
  let handle: (record: StreamRecord) => void = () => undefined;
  return {
    init(ctx: ProcessorContext) {
      if (!w) {
        handle = keyedFoldProcessor(ctx, { storeName, aggregations, keyOf, cache });
        return;
      }
      // The schema requires each window type's fields, and checkAggregate a context window's max_events and span.
      switch (w.type) {
        case 'context':
          handle = contextWindowProcessor(ctx, {
            storeName,
            maxEvents: w.max_events!,
            spanMs: w.span!,
            preset: config.preset === 'context_window',
            aggregations,
            keyOf,
            cache,
          });
          break;
        case 'sliding':
          // A window store, as aggregateStore asks the compiler to check (the context window uses a key-value store).
          handle = slidingWindowProcessor(ctx, { storeName, sizeMs: w.size!, graceMs: w.grace, aggregations, keyOf, timeOf: eventTime });
          break;
        case 'tumbling':
        case 'hopping':
          handle = timeWindowProcessor(ctx, {
            storeName,
            sizeMs: w.size!,
            advanceMs: w.type === 'hopping' ? w.advance! : w.size!,
            graceMs: w.grace,
            emitOnClose: config.emit === 'on_window_close',
            aggregations,
            keyOf,
            timeOf: eventTime,
            cache,
          });
          break;
        case 'session':
          handle = sessionWindowProcessor(ctx, { storeName, gapMs: w.gap!, graceMs: w.grace, aggregations, keyOf, timeOf: eventTime });
          break;
      }
    },
    process(record) {
      handle(record);
    },
  };
}
