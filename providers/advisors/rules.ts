/**
 * The offline Guardian: a deterministic, rule-based advisor over the user's
 * context window, the question and retrieved history. It streams its answer
 * one sentence at a time, stops when the request is aborted or past its
 * deadline, and never reads the clock to decide *what* to say — the same
 * input always gives the same answer.
 */
import type { AdviceInput, Advisor, AggregatedContext } from '../types.js';
import { analyze, detectTopics, type Facts, type Topic } from './rules-analysis.js';
import { historyAdvice } from './rules-history.js';
import { activityAdvice, type Cover, ikigaiAdvice, kindLabel, listing, num, topicAdvice } from './rules-phrases.js';

/** Question topics answered explicitly (the rest of the answer comes from the data). */
const MAX_TOPICS = 2;
const LABELS: Record<Topic, string> = {
  sleep: 'sleep',
  stress: 'stress',
  energy: 'energy',
  motivation: 'motivation',
  purpose: 'purpose',
  exercise: 'exercise',
  social: 'connection with others',
  work: 'work',
  mood: 'how you feel',
};

export interface RulesAdvisorOptions {
  name?: string;
}

export function createRulesAdvisor(options: RulesAdvisorOptions = {}): Advisor {
  return {
    name: options.name ?? 'rules',
    advise: (input) => stream(composeAdvice(input), input),
    close: async () => {},
  };
}

async function* stream(sentences: string[], input: AdviceInput): AsyncGenerator<string> {
  for (let i = 0; i < sentences.length; i++) {
    if (input.signal.aborted) return; // the caller aborts at the deadline, on its own clock
    // Pieces concatenate to the full answer (a space after every sentence but the last).
    yield i < sentences.length - 1 ? `${sentences[i]} ` : sentences[i]!;
  }
}

/** The whole answer, as sentences. Exported for tests and for `aura` tooling. */
export function composeAdvice(input: Pick<AdviceInput, 'question' | 'context' | 'history'>): string[] {
  const topics = detectTopics(input.question);
  const context = input.context;
  const facts = context ? analyze(context) : null;
  if (!context || !facts?.hasData) return generic(topics);

  const out: string[] = [opening(facts)];
  const covered = new Set<Cover>();
  const answer = (topic: Topic): void => {
    const advice = topicAdvice(topic, facts);
    out.push(...advice.text);
    advice.covers.forEach((c) => covered.add(c));
  };
  topics.slice(0, MAX_TOPICS).forEach(answer);

  // A theme of the recent notes gets acknowledged, and answered if the question did not.
  const theme = facts.noteThemes.find((t) => t !== 'mood') ?? facts.noteThemes[0];
  if (theme && facts.latestNote) {
    const themes = listing(facts.noteThemes.slice(0, 2).map((t) => LABELS[t]));
    out.push(`Your recent notes talk about ${themes} ("${snippet(facts.latestNote)}"), and I have taken that into account.`);
    if (!topics.includes(theme)) answer(theme);
  }

  const activity = activityAdvice(facts, covered);
  out.push(...activity.text);
  out.push(...ikigaiAdvice(facts));
  out.push(...historyAdvice(input.history, context));
  if (veryLow(context)) {
    out.push("If you have been feeling this low for more than a few days, please talk to someone you trust or a health professional: you don't have to carry it alone.");
  }
  out.push(closing(facts));
  return dedupe(out);
}

function opening(f: Facts): string {
  const { avg, latest, trend, level } = f.mood;
  if (avg === null) return "You haven't logged your mood in this period yet, so I'll go by your activities and notes.";
  const figures = latest === null ? `average ${num(avg)}/10` : `average ${num(avg)}/10, latest ${num(latest)}/10`;
  if (trend === 'falling') return `Your mood has been dipping lately (${figures}), and it is good that you are checking in.`;
  if (trend === 'rising') {
    const top = Object.entries(f.minutes)
      // Work and sleep fill most logged minutes; "especially sleep" would say nothing.
      .filter(([k]) => k !== 'work' && k !== 'other' && k !== 'sleep')
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 2)
      .map(([k]) => kindLabel(k));
    return `Your mood is on the rise (${figures}): what you have been doing is working${top.length ? `, especially ${listing(top)}` : ''}, so keep it up.`;
  }
  if (level === 'low') return `Your mood has been low (${figures}), and I am glad you reached out.`;
  if (level === 'good') return `Your mood has been good overall (${figures}).`;
  return `Your mood has been steady around ${num(avg)}/10.`;
}

function closing(f: Facts): string {
  if (f.mood.trend === 'falling' || f.mood.level === 'low') return 'Pick the one suggestion that feels easiest and do it today; small steps count.';
  return 'Keep logging your mood and activities so I can keep my advice specific to you.';
}

function generic(topics: Topic[]): string[] {
  const out = ['I have little data about you yet, so this is general advice.'];
  for (const t of topics.slice(0, MAX_TOPICS)) out.push(...topicAdvice(t, null).text);
  if (topics.length === 0) out.push('The basics carry a long way: regular sleep, some movement every day, time outdoors and time with people you like.');
  out.push('Log your mood and activities for a few days and I can tailor my advice to you.');
  return out;
}

function veryLow(c: AggregatedContext): boolean {
  const { avg, latest } = c.mood ?? { avg: null, latest: null };
  return (avg !== null && avg <= 3) || (latest !== null && latest <= 2);
}

function snippet(note: string, max = 60): string {
  const clean = note.replace(/\s+/g, ' ').replace(/"/g, "'").trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

function dedupe(sentences: string[]): string[] {
  return [...new Set(sentences)];
}
