/**
 * The sentences of the rule-based Guardian. Each builder reads facts and
 * returns sentences plus what they already covered (so the same suggestion is
 * not made twice when a question topic and an activity rule agree).
 */
import type { Facts, IkigaiDimension, Topic } from './rules-analysis.js';

export type Cover = 'movement' | 'sleep' | 'balance' | 'meditation' | 'social' | 'purpose';
export interface Advice {
  text: string[];
  covers: Cover[];
}

/** 5.25 → "5.3", 6 → "6". */
export const num = (x: number): string => String(Math.round(x * 10) / 10);
const hours = (minutes: number): string => num(minutes / 60);

export const KIND_LABELS: Record<string, string> = {
  exercise: 'exercise',
  meditation: 'meditation',
  sleep: 'sleep',
  social: 'social time',
  work: 'work',
  nutrition: 'cooking and meals',
  outdoors: 'time outdoors',
  other: 'other activities',
};
export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;

/** "a, b and c". */
export function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The answer to the question's topic, using the user's data when there is some. */
export function topicAdvice(topic: Topic, f: Facts | null): Advice {
  switch (topic) {
    case 'sleep':
      if (f?.sleepLow) return { text: [`You logged about ${hours(f.perDay('sleep'))} hours of sleep a night; most adults need 7 to 9, so a fixed, earlier bedtime is the first thing I would try.`], covers: ['sleep'] };
      if (f?.sleepLogged) return { text: [`Your logged sleep, about ${hours(f.perDay('sleep'))} hours a night, is in a healthy range, so look at its quality: no screens in the last 30 minutes, a cool dark room and no caffeine after 2 pm.`], covers: ['sleep'] };
      return { text: ['For better sleep, keep the same wake-up time every day, put screens away 30 minutes before bed and avoid caffeine after mid-afternoon.'], covers: ['sleep'] };
    case 'stress':
      if (f?.meditates) return { text: [`When stress builds up, lean on the meditation you already practise (${f.minutes.meditation} minutes logged): even 5 minutes of slow breathing, in for 4 counts and out for 6, calms the body's stress response.`], covers: ['meditation'] };
      return { text: ["For stress, try 5 minutes of slow breathing, in for 4 counts and out for 6, or a short guided meditation: it calms the body's stress response within minutes."], covers: ['meditation'] };
    case 'energy':
      if (f?.sleepLow) return { text: ['Low energy often follows short nights, and your sleep log points that way: more sleep is the first lever.'], covers: ['sleep'] };
      if (f?.exerciseLow) return { text: ['It sounds backwards, but a brisk 10-minute walk raises energy more reliably than another coffee, and you have logged little movement lately.'], covers: ['movement'] };
      return { text: ['To keep your energy steady, eat regular meals, drink water and step away from screens for a few minutes every 90 minutes.'], covers: [] };
    case 'motivation':
      return { text: ['When motivation is low, shrink the next step until it feels easy (five minutes of the task counts) and let momentum do the rest.'], covers: [] };
    case 'purpose':
      return {
        text: [
          'Purpose tends to grow where four things meet: what you love, what you are good at, what the world needs and what you can be paid for.',
          ...(f?.ikigai.lowest ? [] : ['Rating those four ikigai dimensions in the app would show where your gap is.']),
        ],
        covers: ['purpose'],
      };
    case 'exercise': {
      const ex = f?.minutes.exercise ?? 0;
      if (f && ex === 0) return { text: ["You haven't logged any exercise in this period: start with a 10 to 15 minute walk a day and build up towards 150 minutes a week."], covers: ['movement'] };
      if (f?.exerciseLow) return { text: [`You logged ${ex} minutes of exercise over ${f.days} days; a short walk on the other days would bring you closer to the recommended 150 minutes a week.`], covers: ['movement'] };
      if (f) return { text: [`You are moving well (${ex} minutes of exercise logged): keep it varied and leave room for a rest day.`], covers: ['movement'] };
      return { text: ['Aim for about 150 minutes of moderate movement a week; a daily 20-minute walk already gets you there.'], covers: ['movement'] };
    }
    case 'social':
      if (f?.socialLogged) return { text: [`You have been spending time with people (${f.minutes.social} minutes logged): keep those connections going, they protect mood more than almost anything else.`], covers: ['social'] };
      return { text: ['Connection matters a lot for wellbeing: a short message or call to someone you trust, today, is a good start.'], covers: ['social'] };
    case 'work':
      if (f?.workHeavy) return { text: [`Work is taking much of your time (about ${hours(f.perDay('work'))} hours a day logged): protect a clear end to the working day and take short breaks between focused blocks.`], covers: ['balance'] };
      return { text: ['For focus, work in 25 to 50 minute blocks on a single task with short breaks in between.'], covers: [] };
    case 'mood':
      return { text: ['Small, regular actions move mood the most: morning daylight, some movement and time with people you like.'], covers: [] };
  }
}

/** Suggestions from the activity mix that the topic answers did not already make. */
export function activityAdvice(f: Facts, covered: Set<Cover>): Advice {
  const text: string[] = [];
  const covers: Cover[] = [];
  const falling = f.mood.trend === 'falling';
  if (f.exerciseLow && !covered.has('movement') && (falling || f.mood.level === 'low' || f.activityCount > 0)) {
    text.push(
      falling
        ? "Since your mood has been dropping and you've logged little exercise, movement is the most effective thing to add: a 20-minute walk outside, ideally in daylight."
        : "You've logged little exercise lately; even a 15-minute walk most days makes a measurable difference to mood.",
    );
    covers.push('movement');
  }
  if (f.workHeavy && !covered.has('balance')) {
    text.push(`Work dominates your logged time (about ${hours(f.minutes.work ?? 0)} hours over ${f.days} ${f.days === 1 ? 'day' : 'days'}); plan something restorative after work, like a walk, a hobby or time with friends.`);
    covers.push('balance');
  }
  if (f.sleepLow && !covered.has('sleep')) {
    text.push(`Your logged sleep averages about ${hours(f.perDay('sleep'))} hours a night; getting closer to 7 to 9 hours would help both mood and energy.`);
    covers.push('sleep');
  }
  if (!covered.has('meditation')) {
    if (f.meditates && (f.mood.trend === 'rising' || f.mood.level === 'good')) {
      text.push(`Your meditation practice (${f.minutes.meditation} minutes logged) seems to be paying off, so keep it in your routine.`);
      covers.push('meditation');
    } else if (!f.meditates && (falling || f.noteThemes.includes('stress'))) {
      text.push('A few minutes of meditation or mindful breathing each day could help you steady things.');
      covers.push('meditation');
    }
  }
  return { text, covers };
}

const IKIGAI_LABELS: Record<IkigaiDimension, string> = {
  love: 'what you love',
  good_at: 'what you are good at',
  world_needs: 'what the world needs from you',
  paid_for: 'what you can be paid for',
};

const IKIGAI_SUGGESTIONS: Record<IkigaiDimension, string> = {
  love: 'make room for a passion or hobby this week, even one hour of something you do just for the joy of it',
  good_at: 'pick one skill to practise a little each week and notice your progress',
  world_needs: 'helping others, by volunteering, mentoring or supporting a friend, is one of the surest ways to feel useful',
  paid_for: 'list which of your strengths people would value and take one small step, like updating your CV or talking to someone in that field',
};

export function ikigaiAdvice(f: Facts): string[] {
  const { lowest, highest } = f.ikigai;
  const text: string[] = [];
  if (highest && highest.score >= 7) text.push(`Your strongest ikigai dimension is ${IKIGAI_LABELS[highest.dim]} (${num(highest.score)}/10), a real resource to build on.`);
  if (lowest && lowest.score <= 5 && !(highest && highest.dim === lowest.dim && highest.score >= 7)) {
    const label = IKIGAI_LABELS[lowest.dim];
    text.push(`${label[0]!.toUpperCase()}${label.slice(1)} scores lowest in your ikigai (${num(lowest.score)}/10): ${IKIGAI_SUGGESTIONS[lowest.dim]}.`);
  }
  return text;
}
