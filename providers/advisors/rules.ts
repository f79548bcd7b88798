/**
 * The offline Guardian: a deterministic, rule-based advisor over the user's
 * context window, the question and retrieved history. It streams its answer
 * one sentence at a time, stops when the request is aborted or past its
 * deadline, and never reads the clock to decide *what* to say — the same
 * input always gives the same answer.
 *
 * Deciding and wording are apart: `planAdvice` picks the phrases (and their
 * figures) from the facts without knowing the language; `composeAdvice`
 * words them in the request's language. An answer in Spanish therefore says
 * what the English one says, from the same data.
 */
import type { AdviceInput, Advisor, AggregatedContext } from '../types.js';
import { DEFAULT_LANGUAGE, type Language } from './language.js';
import { type Phrase, phrase, sentence } from './phrasebook.js';
import { analyze, detectTopics, type Facts, type Topic } from './rules-analysis.js';
import { historyAdvice } from './rules-history.js';
import { activityAdvice, type Cover, ikigaiAdvice, kindLabel, topicAdvice } from './rules-phrases.js';

/** Question topics answered explicitly (the rest of the answer comes from the data). */
const MAX_TOPICS = 2;

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

type PlanInput = Pick<AdviceInput, 'question' | 'context' | 'history'>;

/** The whole answer, as sentences in the input's language (default: DEFAULT_LANGUAGE). Exported for tests and for `aura` tooling. */
export function composeAdvice(input: PlanInput & { language?: Language }): string[] {
  const language = input.language ?? DEFAULT_LANGUAGE;
  return planAdvice(input).map((p) => sentence(p, language));
}

/** The answer as language-free phrases, one per sentence. */
export function planAdvice(input: PlanInput): Phrase[] {
  const topics = detectTopics(input.question);
  const context = input.context;
  const facts = context ? analyze(context) : null;
  if (!context || !facts?.hasData) return generic(topics);

  const out: Phrase[] = [opening(facts)];
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
    const themes = facts.noteThemes.slice(0, 2).map((t) => phrase(`topic.${t}`));
    out.push(phrase('notes.themes', { themes: { list: themes }, note: { text: snippet(facts.latestNote) } }));
    if (!topics.includes(theme)) answer(theme);
  }

  out.push(...activityAdvice(facts, covered).text);
  out.push(...ikigaiAdvice(facts));
  out.push(...historyAdvice(input.history, context));
  if (veryLow(context)) out.push(phrase('low.reach_out'));
  out.push(phrase(facts.mood.trend === 'falling' || facts.mood.level === 'low' ? 'closing.small_step' : 'closing.keep_logging'));
  return dedupe(out);
}

function opening(f: Facts): Phrase {
  const { avg, latest, trend, level } = f.mood;
  if (avg === null) return phrase('opening.no_mood');
  const figures = latest === null ? phrase('mood.figures', { avg }) : phrase('mood.figures_latest', { avg, latest });
  if (trend === 'falling') return phrase('opening.falling', { figures });
  if (trend === 'rising') {
    const top = Object.entries(f.minutes)
      // Work and sleep fill most logged minutes; "especially sleep" would say nothing.
      .filter(([k]) => k !== 'work' && k !== 'other' && k !== 'sleep')
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 2)
      .map(([k]) => kindLabel(k, true));
    return top.length > 0 ? phrase('opening.rising_top', { figures, kinds: { list: top } }) : phrase('opening.rising', { figures });
  }
  if (level === 'low') return phrase('opening.low', { figures });
  if (level === 'good') return phrase('opening.good', { figures });
  return phrase('opening.steady', { avg });
}

function generic(topics: Topic[]): Phrase[] {
  const out = [phrase('generic.intro')];
  for (const t of topics.slice(0, MAX_TOPICS)) out.push(...topicAdvice(t, null).text);
  if (topics.length === 0) out.push(phrase('generic.basics'));
  out.push(phrase('generic.log_more'));
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

/** The same suggestion reached twice (a topic and a note theme) is said once. */
function dedupe(phrases: Phrase[]): Phrase[] {
  const seen = new Set<string>();
  return phrases.filter((p) => {
    const id = JSON.stringify(p);
    return seen.has(id) ? false : (seen.add(id), true);
  });
}
