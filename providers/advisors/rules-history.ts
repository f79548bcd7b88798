/**
 * Retrieved history for the rule-based Guardian: the most similar past
 * context in which the user felt better, and what they were doing then.
 * Reads the payload the ingest processor writes (mood_avg, minutes_by_kind)
 * and falls back to the summary text, so points written by other tools work.
 */
import type { AggregatedContext, VectorHit } from '../types.js';
import { type Phrase, phrase } from './phrasebook.js';
import { kindLabel, minutes } from './rules-phrases.js';

interface Past {
  end: number;
  mood: number | null;
  mix: Record<string, number>;
}

/** Better by at least half a point, so noise does not count as "better". */
const BETTER_BY = 0.5;
/** Kinds worth bringing back (more work is never the advice). */
const RESTORATIVE = new Set(['exercise', 'meditation', 'sleep', 'social', 'nutrition', 'outdoors']);

export function pastMood(hit: VectorHit): number | null {
  const m = hit.payload.mood_avg;
  if (typeof m === 'number' && Number.isFinite(m)) return m;
  const match = /Mood averaged (\d+(?:\.\d+)?)\/10/.exec(hit.payload.summary_text ?? '');
  return match ? Number(match[1]) : null;
}

export function pastMix(hit: VectorHit): Record<string, number> {
  const m = hit.payload.minutes_by_kind;
  if (m && typeof m === 'object' && !Array.isArray(m)) {
    return Object.fromEntries(Object.entries(m as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0));
  }
  const activity = /Activity: ([^.]*)\./.exec(hit.payload.summary_text ?? '');
  const mix: Record<string, number> = {};
  for (const [, minutes, kind] of (activity?.[1] ?? '').matchAll(/(\d+(?:\.\d+)?) min (\w+)/g)) mix[kind!] = Number(minutes);
  return mix;
}

export function historyAdvice(history: VectorHit[], context: AggregatedContext | null): Phrase[] {
  const currentEnd = context?.window?.end ?? Infinity;
  const currentAvg = context?.mood?.avg ?? null;
  const currentMix = context?.activity?.minutes_by_kind ?? {};
  // The latest context is itself in the store: only strictly earlier windows are "history".
  const past: Past[] = history
    .filter((h) => Number.isFinite(h.payload.window_end) && h.payload.window_end < currentEnd)
    .map((h) => ({ end: h.payload.window_end, mood: pastMood(h), mix: pastMix(h) }));
  if (past.length === 0) return [];

  // History comes nearest first: take the most similar period that felt better.
  const better = past.find((p) => p.mood !== null && (currentAvg === null ? p.mood >= 6.5 : p.mood >= currentAvg + BETTER_BY));
  if (better) {
    const when = phrase('date.on', { date: { date: better.end } });
    const vs = currentAvg === null ? undefined : phrase('history.vs_now', { now: currentAvg });
    const kinds = Object.entries(better.mix).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (kinds.length === 0) return [phrase('history.better', { when, past: better.mood!, vs })];
    const mix = kinds.slice(0, 3).map(([k, m]) => phrase('history.item', { minutes: minutes(m), kind: kindLabel(k) }));
    const more = kinds.filter(([k, m]) => RESTORATIVE.has(k) && m - (currentMix[k] ?? 0) >= 30 && m >= 1.5 * (currentMix[k] ?? 0)).map(([k]) => kindLabel(k));
    return [
      phrase('history.better_mix', { when, past: better.mood!, vs, mix: { list: mix } }),
      more.length > 0 ? phrase('history.more', { kinds: { list: more } }) : phrase('history.bring_back'),
    ];
  }
  const moods = past.map((p) => p.mood);
  if (currentAvg !== null && moods.every((m) => m !== null)) {
    const best = Math.max(...(moods as number[]));
    if (currentAvg >= best + BETTER_BY) return [phrase('history.best_now', { best })];
  }
  return [];
}
