/**
 * The `aggregate` config: its schema (windows, aggregations, the preset), the
 * types inferred from it, and what the schema cannot say — the checks between
 * fields and the store each window needs.
 */

import { type Config, enumOf, fieldPath, integer, mapOf, object, optional, signedDuration } from '../../schemas/config-schema.js';
import { formatDuration } from '../../schemas/duration.js';
import type { ConfigIssue, StoreRequirement } from '../types.js';

const WINDOW_TYPES = ['tumbling', 'hopping', 'sliding', 'session', 'context'] as const;
const AGGREGATION_OPS = ['count', 'sum', 'avg', 'min', 'max', 'last', 'collect'] as const;

/** Fields each window type takes; the others are rejected by the schema. */
const WINDOW_FIELDS: Record<(typeof WINDOW_TYPES)[number], { required: string[]; allowed: string[] }> = {
  tumbling: { required: ['size'], allowed: ['size', 'grace'] },
  hopping: { required: ['size', 'advance'], allowed: ['size', 'advance', 'grace'] },
  sliding: { required: ['size'], allowed: ['size', 'grace'] },
  session: { required: ['gap'], allowed: ['gap', 'grace'] },
  // max_events/span are checked semantically (INVALID_WINDOW) so the message can explain the window.
  context: { required: [], allowed: ['max_events', 'span'] },
};
const ALL_WINDOW_FIELDS = ['size', 'advance', 'grace', 'gap', 'max_events', 'span'];

export const windowSchema = object(
  {
    type: enumOf(WINDOW_TYPES, {
      description:
        '`tumbling` (fixed, non-overlapping), `hopping` (fixed size, moving by `advance`), `sliding` (records within `size` of each other), `session` (activity separated by `gap`), `context` (the last `max_events` events within `span`).',
    }),
    size: optional(signedDuration('Window length (tumbling, hopping, sliding).')),
    advance: optional(signedDuration('How far a hopping window moves; at most `size`.')),
    grace: signedDuration('How long late records are still accepted after a window ends.', 0),
    gap: optional(signedDuration('Session windows: inactivity that closes a session.')),
    max_events: optional(integer({ minimum: 1, description: 'Context windows: how many recent events are kept per key.' })),
    span: optional(signedDuration('Context windows: events older than this (relative to the newest) are dropped.')),
  },
  {
    description: 'How records are grouped in time. Without a window, one aggregate per key is kept forever (or until the store `ttl`).',
    allOf: WINDOW_TYPES.map((type) => ({
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: {
        required: WINDOW_FIELDS[type].required,
        properties: Object.fromEntries(ALL_WINDOW_FIELDS.filter((f) => !WINDOW_FIELDS[type].allowed.includes(f)).map((f) => [f, false])),
      },
    })),
  },
);

const aggregationSchema = object(
  {
    op: enumOf(AGGREGATION_OPS, { description: 'The function folded over the records.' }),
    field: optional(fieldPath('Dotted path of the value folded (required except for `count`).')),
    limit: integer({ minimum: 1, default: 10, description: '`collect` only: keep the newest `limit` values.' }),
  },
  {
    allOf: [
      { if: { properties: { op: { not: { const: 'count' } } }, required: ['op'] }, then: { required: ['field'] } },
      { if: { properties: { op: { not: { const: 'collect' } } }, required: ['op'] }, then: { properties: { limit: false } } },
    ],
  },
);

/** What the `context_window` preset folds when no window is given. */
export const PRESET_WINDOW = { type: 'context', max_events: 50, span: '7d' } as const;

export const aggregateConfig = object(
  {
    key: optional(fieldPath('Dotted path of the value to group by. Default: the record key.')),
    window: optional(windowSchema),
    aggregations: optional(
      mapOf(aggregationSchema, {
        description: 'Named aggregations; each becomes a field of the emitted value.',
        minProperties: 1,
        keyPattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      }),
    ),
    preset: optional(
      enumOf(['context_window'], {
        description: `\`context_window\`: the AURA360 wellness summary (mood average and trend, activity minutes by kind, latest ikigai dimensions, recent notes, counts, window bounds, \`summary_text\`), as in the \`aggregated-context\` event schema. Without a \`window\` it uses \`{ type: ${PRESET_WINDOW.type}, max_events: ${PRESET_WINDOW.max_events}, span: ${PRESET_WINDOW.span} }\`.`,
      }),
    ),
    emit: enumOf(['on_update', 'on_commit', 'on_window_close'], {
      default: 'on_update',
      description:
        "`on_update` emits after every record. `on_commit` merges the updates of each key (and window) in the task's record cache and emits the latest once per commit — or earlier when the cache is full (`cache_max_bytes`): fewer, newer records, as Kafka Streams' default caching (docs/record-cache.md). `on_window_close` emits once per window, when stream time passes its end plus grace.",
    }),
    cache_max_bytes: optional(
      integer({
        minimum: 0,
        description:
          "`emit: on_commit`: this processor's share of its task's record cache, in estimated bytes (default: all of `defaults.cache_max_bytes`). When it is full the least recently updated key is emitted early. `0` emits every update at once.",
      }),
    ),
  },
  { anyOf: [{ required: ['aggregations'] }, { required: ['preset'] }] },
);

export type AggregateConfig = Config<typeof aggregateConfig>;
export type WindowConfig = Config<typeof windowSchema>;
export type AggregationConfig = Config<typeof aggregationSchema>;
export type AggregationOp = AggregationConfig['op'];

export function aggregateStore(config: AggregateConfig): StoreRequirement {
  const window = config.window;
  if (!window || window.type === 'context') return { kind: 'key_value' };
  // For session stores the "size" that retention must cover is the inactivity gap.
  if (window.type === 'session') return { kind: 'session', windowSizeMs: window.gap, graceMs: window.grace };
  return { kind: 'window', windowSizeMs: window.size, graceMs: window.grace };
}

export function checkAggregate(config: AggregateConfig): ConfigIssue[] {
  const issues = config.window ? checkWindow(config.window, config.emit) : [];
  if (config.cache_max_bytes !== undefined && config.emit !== 'on_commit')
    issues.push({
      path: ['cache_max_bytes'],
      code: 'INVALID_CONFIG',
      message: `cache_max_bytes sizes the record cache of emit "on_commit"; this aggregate emits "${config.emit}"`,
    });
  if (!config.window && config.emit === 'on_window_close')
    issues.push({ path: ['emit'], code: 'INVALID_CONFIG', message: 'emit "on_window_close" needs a window: without one the aggregate never closes' });
  if (config.preset === 'context_window' && config.window && config.window.type !== 'context')
    issues.push({
      path: ['window', 'type'],
      code: 'INVALID_CONFIG',
      message: `the context_window preset folds a context window (window type "context"), not a ${config.window.type} window`,
    });
  return issues;
}

function checkWindow(window: WindowConfig, emit: AggregateConfig['emit']): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (field: string, message: string) => issues.push({ path: ['window', field], code: 'INVALID_WINDOW', message });
  const { size, advance, grace, gap, span } = window;
  if (size !== undefined && size <= 0) issue('size', `window size must be positive (got ${formatDuration(size)})`);
  if (advance !== undefined && advance <= 0) issue('advance', `hopping window advance must be positive (got ${formatDuration(advance)})`);
  if (advance !== undefined && size !== undefined && size > 0 && advance > size)
    issue(
      'advance',
      `hopping window advance (${formatDuration(advance)}) is larger than its size (${formatDuration(size)}): records between windows would be lost`,
    );
  if (grace < 0) issue('grace', `window grace must not be negative (got ${formatDuration(grace)})`);
  if (gap !== undefined && gap <= 0) issue('gap', `session gap must be positive (got ${formatDuration(gap)})`);
  if (window.type === 'context') {
    if (window.max_events === undefined || span === undefined) {
      const missing = ['max_events', 'span'].filter((f) => window[f as keyof WindowConfig] === undefined);
      issues.push({
        path: ['window'],
        code: 'INVALID_WINDOW',
        message: `context window needs both "max_events" and "span" (missing ${missing.map((f) => `"${f}"`).join(' and ')}): it keeps the last max_events events within span`,
      });
    }
    if (span !== undefined && span <= 0) issue('span', `context window span must be positive (got ${formatDuration(span)})`);
    if (emit === 'on_window_close') issues.push({ path: ['emit'], code: 'INVALID_CONFIG', message: 'a context window never closes: use emit "on_update"' });
  }
  // Only tumbling and hopping windows hold results back until they close; accepting it elsewhere
  // would silently emit on every update instead.
  if ((window.type === 'session' || window.type === 'sliding') && (emit === 'on_window_close' || emit === 'on_commit'))
    issues.push({
      path: ['emit'],
      code: 'INVALID_CONFIG',
      message:
        emit === 'on_window_close'
          ? `emit "on_window_close" is available for tumbling and hopping windows; a ${window.type} window emits on every update`
          : `emit "on_commit" merges updates of the same key and window; a ${window.type} window's updates mostly have windows of their own (available: no window, context, tumbling, hopping)`,
    });
  return issues;
}
