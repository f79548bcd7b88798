/**
 * `aggregate`: folds the records of each key into a value kept in a store,
 * optionally per window, and emits the updated aggregate downstream.
 */
import type { ConfigIssue, ProcessorSpec, StoreRequirement } from '../types.js';
import { fieldPathSchema, signedDurationSchema } from '../../schemas/fragments.js';
import { parseDuration } from '../../schemas/duration.js';

export type WindowType = 'tumbling' | 'hopping' | 'sliding' | 'session' | 'context';
export type AggregationOp = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'last' | 'collect';

export interface WindowConfig {
  type: WindowType;
  size?: string | number;
  advance?: string | number;
  grace?: string | number;
  gap?: string | number;
  max_events?: number;
  span?: string | number;
}

export interface AggregationConfig {
  op: AggregationOp;
  field?: string;
  limit?: number;
}

export interface AggregateConfig {
  key?: string;
  window?: WindowConfig;
  aggregations?: Record<string, AggregationConfig>;
  preset?: 'context_window';
  emit: 'on_update' | 'on_window_close';
}

/** Fields each window type takes; the others are rejected by the schema. */
const WINDOW_FIELDS: Record<WindowType, { required: string[]; allowed: string[] }> = {
  tumbling: { required: ['size'], allowed: ['size', 'grace'] },
  hopping: { required: ['size', 'advance'], allowed: ['size', 'advance', 'grace'] },
  sliding: { required: ['size'], allowed: ['size', 'grace'] },
  session: { required: ['gap'], allowed: ['gap', 'grace'] },
  // max_events/span are checked semantically (INVALID_WINDOW) so the message can explain the window.
  context: { required: [], allowed: ['max_events', 'span'] },
};
const ALL_WINDOW_FIELDS = ['size', 'advance', 'grace', 'gap', 'max_events', 'span'];

const windowSchema = {
  type: 'object',
  description: 'How records are grouped in time. Without a window, one aggregate per key is kept forever (or until the store `ttl`).',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: {
      enum: Object.keys(WINDOW_FIELDS),
      description: '`tumbling` (fixed, non-overlapping), `hopping` (fixed size, moving by `advance`), `sliding` (records within `size` of each other), `session` (activity separated by `gap`), `context` (the last `max_events` events within `span`).',
    },
    size: signedDurationSchema('Window length (tumbling, hopping, sliding).'),
    advance: signedDurationSchema('How far a hopping window moves; at most `size`.'),
    grace: signedDurationSchema('How long late records are still accepted after a window ends.', 0),
    gap: signedDurationSchema('Session windows: inactivity that closes a session.'),
    max_events: { type: 'integer', minimum: 1, description: 'Context windows: how many recent events are kept per key.' },
    span: signedDurationSchema('Context windows: events older than this (relative to the newest) are dropped.'),
  },
  allOf: (Object.keys(WINDOW_FIELDS) as WindowType[]).map((type) => ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: {
      required: WINDOW_FIELDS[type].required,
      properties: Object.fromEntries(ALL_WINDOW_FIELDS.filter((f) => !WINDOW_FIELDS[type].allowed.includes(f)).map((f) => [f, false])),
    },
  })),
};

const aggregationSchema = {
  type: 'object',
  required: ['op'],
  additionalProperties: false,
  properties: {
    op: { enum: ['count', 'sum', 'avg', 'min', 'max', 'last', 'collect'], description: 'The function folded over the records.' },
    field: fieldPathSchema('Dotted path of the value folded (required except for `count`).'),
    limit: { type: 'integer', minimum: 1, description: '`collect` only: keep the newest `limit` values.' },
  },
  allOf: [
    { if: { properties: { op: { not: { const: 'count' } } }, required: ['op'] }, then: { required: ['field'] } },
    { if: { properties: { op: { not: { const: 'collect' } } }, required: ['op'] }, then: { properties: { limit: false } } },
  ],
};

const configSchema = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['aggregations'] }, { required: ['preset'] }],
  properties: {
    key: fieldPathSchema('Dotted path of the value to group by. Default: the record key.'),
    window: windowSchema,
    aggregations: {
      type: 'object',
      description: 'Named aggregations; each becomes a field of the emitted value.',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: aggregationSchema,
    },
    preset: {
      enum: ['context_window'],
      description: '`context_window`: the AURA360 wellness summary (mood average and trend, activity minutes by kind, latest ikigai dimensions, recent notes, counts, window bounds, `summary_text`), as in the `aggregated-context` event schema. Without a `window` it uses `{ type: context, max_events: 50, span: 7d }`.',
    },
    emit: {
      enum: ['on_update', 'on_window_close'],
      default: 'on_update',
      description: '`on_update` emits after every record; `on_window_close` emits once per window, when stream time passes its end plus grace.',
    },
  },
};

function checkWindow(window: WindowConfig, emit: AggregateConfig['emit']): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ms = (field: keyof WindowConfig) => parseDuration(window[field]);
  const issue = (field: string, message: string) =>
    issues.push({ path: ['window', field], code: 'INVALID_WINDOW', message });
  const size = ms('size');
  const advance = ms('advance');
  if (size !== undefined && size <= 0) issue('size', `window size must be positive (got ${JSON.stringify(window.size)})`);
  if (advance !== undefined && advance <= 0) issue('advance', `hopping window advance must be positive (got ${JSON.stringify(window.advance)})`);
  if (advance !== undefined && size !== undefined && size > 0 && advance > size)
    issue('advance', `hopping window advance (${window.advance}) is larger than its size (${window.size}): records between windows would be lost`);
  const grace = ms('grace');
  if (grace !== undefined && grace < 0) issue('grace', `window grace must not be negative (got ${JSON.stringify(window.grace)})`);
  const gap = ms('gap');
  if (gap !== undefined && gap <= 0) issue('gap', `session gap must be positive (got ${JSON.stringify(window.gap)})`);
  if (window.type === 'context') {
    if (window.max_events === undefined || window.span === undefined) {
      const missing = ['max_events', 'span'].filter((f) => window[f as keyof WindowConfig] === undefined);
      issues.push({
        path: ['window'],
        code: 'INVALID_WINDOW',
        message: `context window needs both "max_events" and "span" (missing ${missing.map((f) => `"${f}"`).join(' and ')}): it keeps the last max_events events within span`,
      });
    }
    const span = ms('span');
    if (span !== undefined && span <= 0) issue('span', `context window span must be positive (got ${JSON.stringify(window.span)})`);
    if (emit === 'on_window_close')
      issues.push({ path: ['emit'], code: 'INVALID_CONFIG', message: 'a context window never closes: use emit "on_update"' });
  }
  // Only tumbling and hopping windows hold results back until they close; accepting it elsewhere
  // would silently emit on every update instead.
  if ((window.type === 'session' || window.type === 'sliding') && emit === 'on_window_close')
    issues.push({ path: ['emit'], code: 'INVALID_CONFIG', message: `emit "on_window_close" is available for tumbling and hopping windows; a ${window.type} window emits on every update` });
  return issues;
}

export const aggregateSpec: ProcessorSpec<AggregateConfig> = {
  type: 'aggregate',
  summary: 'Folds the records of each key (optionally per window) into an aggregate kept in a store.',
  description: `Groups records by key — the record key, or the value at \`key\` — and folds them into an
aggregate kept in the processor's store, which is change-logged so it survives restarts and moves
with its partition. After each record (\`emit: on_update\`) or when a window closes
(\`emit: on_window_close\`) the aggregate is forwarded downstream, keyed by the group key.

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
a \`summary_text\` that the \`vectorize\` processor embeds).`,
  configSchema,
  async: false,
  examples: [
    {
      title: 'The AURA360 context window (last 50 events within 7 days, per user)',
      yaml: `aggregate_context:
  type: aggregate
  from: user_events
  to: context_aggregated
  store: user_context
  config:
    preset: context_window
    window: { type: context, max_events: 50, span: 7d }
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
  ports: () => ['default'],
  storeRequirement(config): StoreRequirement {
    const window = config.window;
    if (!window || window.type === 'context') return { kind: 'key_value' };
    // For session stores the "size" that retention must cover is the inactivity gap.
    if (window.type === 'session') return { kind: 'session', windowSizeMs: parseDuration(window.gap), graceMs: parseDuration(window.grace) ?? 0 };
    return { kind: 'window', windowSizeMs: parseDuration(window.size), graceMs: parseDuration(window.grace) ?? 0 };
  },
  check(config) {
    const issues = config.window ? checkWindow(config.window, config.emit) : [];
    if (!config.window && config.emit === 'on_window_close')
      issues.push({ path: ['emit'], code: 'INVALID_CONFIG', message: 'emit "on_window_close" needs a window: without one the aggregate never closes' });
    if (config.preset === 'context_window' && config.window && config.window.type !== 'context')
      issues.push({
        path: ['window', 'type'],
        code: 'INVALID_CONFIG',
        message: `the context_window preset folds a context window (window type "context"), not a ${config.window.type} window`,
      });
    return issues;
  },
};
