/**
 * What the rule-based Guardian suggests, as language-free phrases (worded by
 * phrases-en.ts / phrases-es.ts). Each builder reads facts and returns
 * phrases plus what they already covered (so the same suggestion is not made
 * twice when a question topic and an activity rule agree).
 */
import { type Phrase, type PhraseKey, phrase } from './phrasebook.js';
import type { Facts, IkigaiDimension, Topic } from './rules-analysis.js';

export type Cover = 'movement' | 'sleep' | 'balance' | 'meditation' | 'social' | 'purpose';
export interface Advice {
  text: Phrase[];
  covers: Cover[];
}

const KINDS = new Set(['exercise', 'meditation', 'sleep', 'social', 'work', 'nutrition', 'outdoors', 'other']);

/** An activity kind's label; a kind the app does not know (another producer's) is shown as written. */
export function kindLabel(kind: string, withArticle = false): Phrase | { text: string } {
  return KINDS.has(kind) ? phrase(`${withArticle ? 'kind_the' : 'kind'}.${kind}` as PhraseKey) : { text: kind };
}

export const minutes = (n: number) => ({ count: n, unit: 'minute' as const });
export const hours = (minutesTotal: number) => ({ count: minutesTotal / 60, unit: 'hour' as const });
export const days = (n: number) => ({ count: n, unit: 'day' as const });

const advice = (key: PhraseKey, covers: Cover[], args?: Phrase['args']): Advice => ({ text: [phrase(key, args)], covers });

/** The answer to the question's topic, using the user's data when there is some. */
export function topicAdvice(topic: Topic, f: Facts | null): Advice {
  switch (topic) {
    case 'sleep':
      if (f?.sleepLow) return advice('sleep.low', ['sleep'], { sleep: hours(f.perDay('sleep')) });
      if (f?.sleepLogged) return advice('sleep.ok', ['sleep'], { sleep: hours(f.perDay('sleep')) });
      return advice('sleep.general', ['sleep']);
    case 'stress':
      if (f?.meditates) return advice('stress.meditates', ['meditation'], { minutes: minutes(f.minutes.meditation ?? 0) });
      return advice('stress.general', ['meditation']);
    case 'energy':
      if (f?.sleepLow) return advice('energy.sleep_low', ['sleep']);
      if (f?.exerciseLow) return advice('energy.move', ['movement']);
      return advice('energy.general', []);
    case 'motivation':
      return advice('motivation.general', []);
    case 'purpose':
      return { text: [phrase('purpose.general'), ...(f?.ikigai.lowest ? [] : [phrase('purpose.rate_ikigai')])], covers: ['purpose'] };
    case 'exercise': {
      const ex = f?.minutes.exercise ?? 0;
      if (f && ex === 0) return advice('exercise.none', ['movement']);
      if (f?.exerciseLow) return advice('exercise.low', ['movement'], { minutes: minutes(ex), days: days(f.days) });
      if (f) return advice('exercise.good', ['movement'], { minutes: minutes(ex) });
      return advice('exercise.general', ['movement']);
    }
    case 'social':
      if (f?.socialLogged) return advice('social.logged', ['social'], { minutes: minutes(f.minutes.social ?? 0) });
      return advice('social.general', ['social']);
    case 'work':
      if (f?.workHeavy) return advice('work.heavy', ['balance'], { hours: hours(f.perDay('work')) });
      return advice('work.general', []);
    case 'mood':
      return advice('mood.general', []);
  }
}

/** Suggestions from the activity mix that the topic answers did not already make. */
export function activityAdvice(f: Facts, covered: Set<Cover>): Advice {
  const text: Phrase[] = [];
  const covers: Cover[] = [];
  const falling = f.mood.trend === 'falling';
  if (f.exerciseLow && !covered.has('movement') && (falling || f.mood.level === 'low' || f.activityCount > 0)) {
    text.push(phrase(falling ? 'activity.move_falling' : 'activity.move_low'));
    covers.push('movement');
  }
  if (f.workHeavy && !covered.has('balance')) {
    text.push(phrase('activity.work_heavy', { hours: hours(f.minutes.work ?? 0), days: days(f.days) }));
    covers.push('balance');
  }
  if (f.sleepLow && !covered.has('sleep')) {
    text.push(phrase('activity.sleep_low', { hours: hours(f.perDay('sleep')) }));
    covers.push('sleep');
  }
  if (!covered.has('meditation')) {
    if (f.meditates && (f.mood.trend === 'rising' || f.mood.level === 'good')) {
      text.push(phrase('activity.meditation_pays', { minutes: minutes(f.minutes.meditation ?? 0) }));
      covers.push('meditation');
    } else if (!f.meditates && (falling || f.noteThemes.includes('stress'))) {
      text.push(phrase('activity.meditation_try'));
      covers.push('meditation');
    }
  }
  return { text, covers };
}

const dimension = (dim: IkigaiDimension): Phrase => phrase(`ikigai.${dim}`);

export function ikigaiAdvice(f: Facts): Phrase[] {
  const { lowest, highest } = f.ikigai;
  const text: Phrase[] = [];
  if (highest && highest.score >= 7) text.push(phrase('ikigai.strongest', { dim: dimension(highest.dim), score: highest.score }));
  if (lowest && lowest.score <= 5 && !(highest && highest.dim === lowest.dim && highest.score >= 7)) {
    text.push(phrase('ikigai.lowest', { dim: dimension(lowest.dim), score: lowest.score, tip: phrase(`ikigai_tip.${lowest.dim}`) }));
  }
  return text;
}
