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
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const meanY = sum / n;
  let num = 0;
  let den = 0;
  for (let x = 0; x < n; x++) {
    num += (x - meanX) * (values[x]! - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const round = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Runs once per event over the whole window (up to max_events), so it is a
 * hot path: one pass, each event's fields read once, plain loops.
 */
export function summarize(userId: string, state: ContextState, maxEvents: number, spanMs: number): Record<string, unknown> {
  const events = state.events;
  const n = events.length;
  const scores: number[] = [];
  const minutesByKind: Record<string, number> = {};
  let activityCount = 0;
  let totalMinutes = 0;
  let ikigaiCount = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const type = e.type;
    if (type === 'user.mood.created') {
      const score = e.data.score;
      if (typeof score === 'number') scores.push(score);
    } else if (type === 'user.activity.created') {
      const d = e.data;
      activityCount++;
      const m = d.minutes;
      const k = d.kind;
      const minutes = typeof m === 'number' ? m : 0;
      const kind = typeof k === 'string' ? k : 'other';
      minutesByKind[kind] = round((minutesByKind[kind] ?? 0) + minutes);
      totalMinutes += minutes;
    } else if (type === 'user.ikigai.updated') ikigaiCount++;
  }
  const notes: string[] = [];
  for (let i = n - 1; i >= 0 && notes.length < 5; i--) {
    const note = events[i]!.data.note;
    if (typeof note === 'string') {
      const trimmed = note.trim();
      if (trimmed !== '') notes.push(trimmed);
    }
  }
  const s = slope(scores);
  const trend = scores.length < 3 ? 'unknown' : s > TREND_THRESHOLD ? 'rising' : s < -TREND_THRESHOLD ? 'falling' : 'stable';
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += scores[i]!;
  const avg = scores.length ? round(sum / scores.length) : null;
  const latest = scores.length ? scores[scores.length - 1]! : null;
  const first = events[0];
  const last = events[n - 1];
  const mood = { count: scores.length, avg, latest, trend, slope: round3(s) };
  const activity = { count: activityCount, total_minutes: round(totalMinutes), minutes_by_kind: minutesByKind };
  return {
    user_id: userId,
    version: state.version,
    window: { start: first?.time ?? 0, end: last?.time ?? 0, events: n, max_events: maxEvents, span_ms: spanMs },
    mood,
    activity,
    ikigai: state.ikigai,
    notes,
    counts: { mood: scores.length, activity: activityCount, ikigai: ikigaiCount, total: n },
    last_event_id: last?.id ?? '',
    summary_text: summaryText(mood, activity, state.ikigai, notes),
    updated_at: last?.time ?? 0,
  };
}

/** Larger first; Array.prototype.sort is stable, so equal minutes keep first-seen order. */
function byMinutesDesc(a: [string, number], b: [string, number]): number {
  return b[1] - a[1];
}

/**
 * A plain-language summary: what the embedder vectorises and the Guardian reads.
 * Plain loops rather than map/filter callbacks: this runs once per event, and
 * under tsx every inline arrow function costs a `__name` property definition
 * each time it is created.
 */
function summaryText(
  mood: { count: number; avg: number | null; latest: number | null; trend: string },
  activity: { total_minutes: number; minutes_by_kind: Record<string, number> },
  ikigai: IkigaiState,
  notes: string[],
): string {
  let text: string;
  if (mood.count > 0) {
    const trend = mood.trend === 'unknown' ? '' : ` and ${mood.trend}`;
    text = `Mood averaged ${mood.avg}/10${trend} (latest ${mood.latest}).`;
  } else text = 'No mood entries yet.';
  const kinds = Object.entries(activity.minutes_by_kind).sort(byMinutesDesc);
  if (kinds.length) {
    text += ' Activity: ';
    for (let i = 0; i < kinds.length; i++) text += `${i ? ', ' : ''}${kinds[i]![1]} min ${kinds[i]![0]}`;
    text += '.';
  } else text += ' No activity logged.';
  let dims = '';
  for (const d of IKIGAI_DIMENSIONS) if (typeof ikigai[d] === 'number') dims += `${dims ? ', ' : ''}${IKIGAI_LABELS[d]} ${ikigai[d]}`;
  if (dims) text += ` Ikigai: ${dims}.`;
  if (notes.length) {
    text += ' Recent notes: ';
    for (let i = 0; i < notes.length && i < 3; i++) text += `${i ? ' | ' : ''}${notes[i]!.slice(0, 200)}`;
  }
  return text;
}
