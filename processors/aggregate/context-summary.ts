/**
 * The AURA360 per-user context (`preset: context_window`): a summary of the
 * user's recent mood, activity, ikigai and notes, computed from the events in
 * the window. Everything is derived from event data and event time — never
 * from the wall clock — so a replay of the same input produces the same
 * context (and the same vector point id downstream).
 */

export interface WindowEvent {
  id: string;
  type: string;
  time: number;
  data: Record<string, unknown>;
}

export interface IkigaiState {
  love?: number;
  good_at?: number;
  world_needs?: number;
  paid_for?: number;
  updated_at?: number;
}

export interface ContextState {
  /** Events folded so far for this user (monotonic; the context's version). */
  version: number;
  events: WindowEvent[];
  /** Latest ikigai dimensions: kept beyond the window, an ikigai changes rarely. */
  ikigai: IkigaiState;
}

const IKIGAI_DIMENSIONS = ['love', 'good_at', 'world_needs', 'paid_for'] as const;
const IKIGAI_LABELS: Record<string, string> = { love: 'love', good_at: 'good at', world_needs: 'world needs', paid_for: 'paid for' };
const TREND_THRESHOLD = 0.15; // mood points per entry

export function applyIkigai(state: IkigaiState, data: Record<string, unknown>, time: number): IkigaiState {
  const dims = (data.dimensions ?? {}) as Record<string, unknown>;
  const next: IkigaiState = { ...state };
  for (const d of IKIGAI_DIMENSIONS) if (typeof dims[d] === 'number') next[d] = dims[d] as number;
  next.updated_at = time;
  return next;
}

/** Least-squares slope of the scores against their index (points per entry). */
function slope(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarize(userId: string, state: ContextState, maxEvents: number, spanMs: number): Record<string, unknown> {
  const events = state.events;
  const scores: number[] = [];
  const minutesByKind: Record<string, number> = {};
  let activityCount = 0;
  let totalMinutes = 0;
  let ikigaiCount = 0;
  const notes: string[] = [];
  for (const e of events) {
    if (e.type === 'user.mood.created' && typeof e.data.score === 'number') scores.push(e.data.score);
    else if (e.type === 'user.activity.created') {
      activityCount++;
      const minutes = typeof e.data.minutes === 'number' ? e.data.minutes : 0;
      const kind = typeof e.data.kind === 'string' ? e.data.kind : 'other';
      minutesByKind[kind] = round((minutesByKind[kind] ?? 0) + minutes);
      totalMinutes += minutes;
    } else if (e.type === 'user.ikigai.updated') ikigaiCount++;
  }
  for (let i = events.length - 1; i >= 0 && notes.length < 5; i--) {
    const note = events[i]!.data.note;
    if (typeof note === 'string' && note.trim() !== '') notes.push(note.trim());
  }
  const s = slope(scores);
  const trend = scores.length < 3 ? 'unknown' : s > TREND_THRESHOLD ? 'rising' : s < -TREND_THRESHOLD ? 'falling' : 'stable';
  const avg = scores.length ? round(scores.reduce((a, b) => a + b, 0) / scores.length) : null;
  const latest = scores.length ? scores[scores.length - 1]! : null;
  const first = events[0];
  const last = events[events.length - 1];
  const context = {
    user_id: userId,
    version: state.version,
    window: { start: first?.time ?? 0, end: last?.time ?? 0, events: events.length, max_events: maxEvents, span_ms: spanMs },
    mood: { count: scores.length, avg, latest, trend, slope: round(s, 3) },
    activity: { count: activityCount, total_minutes: round(totalMinutes), minutes_by_kind: minutesByKind },
    ikigai: state.ikigai,
    notes,
    counts: { mood: scores.length, activity: activityCount, ikigai: ikigaiCount, total: events.length },
    last_event_id: last?.id ?? '',
    summary_text: '',
    updated_at: last?.time ?? 0,
  };
  context.summary_text = summaryText(context.mood, context.activity, state.ikigai, notes);
  return context;
}

/** A plain-language summary: what the embedder vectorises and the Guardian reads. */
function summaryText(
  mood: { count: number; avg: number | null; latest: number | null; trend: string },
  activity: { total_minutes: number; minutes_by_kind: Record<string, number> },
  ikigai: IkigaiState,
  notes: string[],
): string {
  const parts: string[] = [];
  if (mood.count > 0) {
    const trend = mood.trend === 'unknown' ? '' : ` and ${mood.trend}`;
    parts.push(`Mood averaged ${mood.avg}/10${trend} (latest ${mood.latest}).`);
  } else parts.push('No mood entries yet.');
  const kinds = Object.entries(activity.minutes_by_kind).sort((a, b) => b[1] - a[1]);
  parts.push(kinds.length ? `Activity: ${kinds.map(([k, m]) => `${m} min ${k}`).join(', ')}.` : 'No activity logged.');
  const dims = IKIGAI_DIMENSIONS.filter((d) => typeof ikigai[d] === 'number').map((d) => `${IKIGAI_LABELS[d]} ${ikigai[d]}`);
  if (dims.length) parts.push(`Ikigai: ${dims.join(', ')}.`);
  if (notes.length) parts.push(`Recent notes: ${notes.slice(0, 3).map((n) => n.slice(0, 200)).join(' | ')}`);
  return parts.join(' ');
}
