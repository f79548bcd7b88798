/**
 * What the rule-based Guardian knows about a user: facts derived from the
 * aggregated context (mood level and trend, activity per day, ikigai extremes,
 * note themes) and the topics of a question. Pure functions, no clock: the
 * same context always gives the same facts.
 */
import type { AggregatedContext, MoodTrend } from '../types.js';

export type Topic = 'sleep' | 'stress' | 'energy' | 'motivation' | 'purpose' | 'exercise' | 'social' | 'work' | 'mood';

/**
 * Word-start patterns per topic, English and Spanish (AURA360's users write
 * both), matched on the text folded to lower case without accents — so
 * "estrés" and "estres", "sueño" and "sueno", "dormí" and "dormi" are one —
 * and covering inflections by stem: dorm-/duerm-/durm- (dormir, duermo,
 * durmiendo), cans- (cansada, cansancio), agot- (agotado, agotamiento).
 * Words that are words in both senses are narrowed ("solo" is "only" far more
 * often than "alone"; "nada" is not "nado"; "sentido" alone is "felt").
 */
const TOPIC_PATTERNS: [Topic, RegExp][] = [
  ['sleep', /\b(sleep|slept|insomni|tired at night|bed ?time|nap|rest(ed|ing)?\b|nightmare|dorm|duerm|durm|suenos?\b|desvel|descans|siesta|pesadill|madrug)/],
  ['stress', /\b(stress|anxi|worr|overwhelm|panic|nervous|tense|pressure|estres|ansie|ansios|agobi|angusti|preocup|nervios|panico|presion|abrum)/],
  ['energy', /\b(energ|tired|exhaust|fatigu|drained|sluggish|cansa|canso\b|agot|fatiga|sin fuerzas)/],
  ['motivation', /\b(motivat|procrastin|lazy|stuck|unmotivated|disciplin|ganas|motiva|desmotiva|flojera|pereza|desgan|estancad)/],
  ['purpose', /\b(purpose|meaning|ikigai|passion|calling|career|fulfil|proposito|sentido (a|de) (la|mi) vida|sin sentido|pasion|vocacion|carrera)/],
  [
    'exercise',
    /\b(exercis|workout|gym|run(ning)?\b|jog|fitness|sport|walk|cycl|swim|yoga|ejercicio|deporte|entren|gimnasio|camin|corr(er|i|iendo|o)\b|trot|nad(ar|o)\b|natacion|bici|pesas)/,
  ],
  [
    'social',
    /\b(lonel|alone|isolat|friend|family|social|relationship|(siento|estoy|sentirme|quedo) sol[oa]\b|soledad|aislad|amig|amist|famili|pareja|novi[oa]s?\b)/,
  ],
  ['work', /\b(work|job|boss|deadline|burn ?out|burnout|office|productiv|focus|trabaj|jefe|oficina|chamba|laburo|curro|empleo|reunion|concentr|enfoc)/],
  ['mood', /\b(mood|sad|down|depress|unhappy|happ|feel|low\b|animo|triste|feliz|deprim|bajon|llor|siento|sentir)/],
];

/** Lower case, accents and tildes dropped ("Dormí" → "dormi", "sueño" → "sueno"): word boundaries then work on ASCII. */
export const foldText = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Topics in a fixed order; `mood` ("I feel…") only when nothing more specific matched. */
export function detectTopics(text: string): Topic[] {
  const t = foldText(text);
  const topics = TOPIC_PATTERNS.filter(([, re]) => re.test(t)).map(([topic]) => topic);
  return topics.length > 1 ? topics.filter((x) => x !== 'mood') : topics;
}

export type IkigaiDimension = 'love' | 'good_at' | 'world_needs' | 'paid_for';
export const IKIGAI_DIMENSIONS: IkigaiDimension[] = ['love', 'good_at', 'world_needs', 'paid_for'];

export interface Facts {
  /** Whether the context holds any event at all. */
  hasData: boolean;
  mood: { count: number; avg: number | null; latest: number | null; trend: MoodTrend; level: 'low' | 'mid' | 'good' | null };
  /** Days covered by the window (at least 1), to turn minutes into minutes per day. */
  days: number;
  minutes: Record<string, number>;
  perDay: (kind: string) => number;
  activityCount: number;
  exerciseLow: boolean;
  workHeavy: boolean;
  sleepLow: boolean;
  sleepLogged: boolean;
  meditates: boolean;
  socialLogged: boolean;
  /** Lowest and highest scored dimensions (the same one when only one is known). */
  ikigai: { lowest?: { dim: IkigaiDimension; score: number }; highest?: { dim: IkigaiDimension; score: number } };
  noteThemes: Topic[];
  latestNote?: string;
}

const DAY_MS = 86_400_000;
/** Movement per day below which we suggest more (WHO: 150 min/week ≈ 21 min/day). */
const MOVEMENT_MIN_PER_DAY = 20;
const SLEEP_MIN_PER_DAY = 7 * 60;
const WORK_HEAVY_PER_DAY = 9 * 60;

export function moodLevel(avg: number | null): Facts['mood']['level'] {
  if (avg === null) return null;
  return avg < 4.5 ? 'low' : avg <= 6.5 ? 'mid' : 'good';
}

export function analyze(context: AggregatedContext): Facts {
  const minutes = context.activity?.minutes_by_kind ?? {};
  const span = Math.max(0, (context.window?.end ?? 0) - (context.window?.start ?? 0));
  const days = Math.max(1, Math.ceil(span / DAY_MS));
  const perDay = (kind: string): number => (minutes[kind] ?? 0) / days;
  const work = minutes.work ?? 0;
  const logged = context.activity?.total_minutes ?? 0;
  const mood = context.mood ?? { count: 0, avg: null, latest: null, trend: 'unknown' as const, slope: 0 };
  const notes = context.notes ?? [];
  return {
    hasData: (context.counts?.total ?? 0) > 0 || mood.count > 0 || (context.activity?.count ?? 0) > 0,
    mood: { count: mood.count, avg: mood.avg, latest: mood.latest, trend: mood.trend, level: moodLevel(mood.avg) },
    days,
    minutes,
    perDay,
    activityCount: context.activity?.count ?? 0,
    exerciseLow: perDay('exercise') + perDay('outdoors') < MOVEMENT_MIN_PER_DAY,
    // Sleep is not "work-life balance": leave it out of the share.
    workHeavy: perDay('work') > WORK_HEAVY_PER_DAY || (work >= 120 && work / Math.max(1, logged - (minutes.sleep ?? 0)) >= 0.6),
    sleepLogged: (minutes.sleep ?? 0) > 0,
    sleepLow: (minutes.sleep ?? 0) > 0 && perDay('sleep') < SLEEP_MIN_PER_DAY,
    meditates: (minutes.meditation ?? 0) > 0,
    socialLogged: (minutes.social ?? 0) > 0,
    ikigai: ikigaiExtremes(context.ikigai ?? {}),
    noteThemes: [...new Set(notes.flatMap((n) => detectTopics(n)))],
    latestNote: notes[0],
  };
}

function ikigaiExtremes(ikigai: AggregatedContext['ikigai']): Facts['ikigai'] {
  const scored = IKIGAI_DIMENSIONS.filter((d) => typeof ikigai[d] === 'number').map((dim) => ({ dim, score: ikigai[dim]! }));
  if (scored.length === 0) return {};
  // Stable order on ties: the dimension listed first wins, so answers are deterministic.
  const lowest = scored.reduce((a, b) => (b.score < a.score ? b : a));
  const highest = scored.reduce((a, b) => (b.score > a.score ? b : a));
  return { lowest, highest };
}
