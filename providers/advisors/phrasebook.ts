/**
 * Phrases as data: what the Guardian says is decided once, language-free, as
 * `Phrase`s (a key and its arguments: figures, dates, the user's own words,
 * other phrases); each language's book (phrases-en.ts, phrases-es.ts) only
 * words them. So an answer in Spanish states exactly the facts of the
 * English one — the same decisions, the same numbers — by construction.
 *
 * Templates use `{name}` placeholders. Numbers are written the same way in
 * both languages: one decimal at most, a point as decimal separator and no
 * grouping, which is how es-419 (Latin-American Spanish) writes them too.
 */
import type { Language } from './language.js';
import { en } from './phrases-en.js';
import { es } from './phrases-es.js';

export type PhraseKey = keyof typeof en;
export type PhraseBook = Record<PhraseKey, string>;

export type Unit = 'minute' | 'hour' | 'day';

/** What fills a placeholder. */
export type Arg =
  | number
  /** A quantity with its unit, singular or plural as the language wants ("1 day", "5.5 hours"). */
  | { count: number; unit: Unit }
  /** A calendar day (epoch ms, UTC). */
  | { date: number }
  /** Verbatim text: the user's own words, an unknown activity kind. */
  | { text: string }
  /** Several phrases joined as the language joins a list ("a, b and c", "a, b y c", "… e ikigai"). */
  | { list: Array<Phrase | { text: string }> }
  | Phrase;

export interface Phrase {
  key: PhraseKey;
  args?: Record<string, Arg | undefined>;
}

export const phrase = (key: PhraseKey, args?: Phrase['args']): Phrase => (args ? { key, args } : { key });

export const PHRASE_BOOKS: Record<Language, PhraseBook> = { en, es };

/** The locale that writes each language's lists, plurals and dates. */
const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-419' };

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** The placeholder names of a template, sorted. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

/** 5.25 → "5.3", 6 → "6". */
export const num = (x: number): string => String(Math.round(x * 10) / 10);

interface Formatters {
  list: Intl.ListFormat;
  plural: Intl.PluralRules;
  date: Intl.DateTimeFormat;
}
const formatters = new Map<Language, Formatters>();
function formattersOf(language: Language): Formatters {
  let f = formatters.get(language);
  if (!f) {
    const locale = LOCALES[language];
    f = {
      list: new Intl.ListFormat(locale, { type: 'conjunction' }),
      plural: new Intl.PluralRules(locale),
      date: new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
    };
    formatters.set(language, f);
  }
  return f;
}

/**
 * Builds and uses every language's formatters once, at start-up: the first use loads the locale's
 * ICU data, 20-70 ms measured under the load test, which the first answer in each language then
 * paid on the event loop it shares with the gateway.
 */
export function warmUpFormatters(): void {
  for (const language of Object.keys(LOCALES) as Language[]) {
    const f = formattersOf(language);
    f.list.format(['a', 'b']);
    f.plural.select(2);
    f.date.format(new Date(0));
  }
}

function renderArg(arg: Arg | undefined, language: Language): string {
  if (arg === undefined) return '';
  if (typeof arg === 'number') return num(arg);
  if ('count' in arg) {
    const book = PHRASE_BOOKS[language];
    const category = formattersOf(language).plural.select(Math.round(arg.count * 10) / 10);
    const key = `unit.${arg.unit}.${category}` as PhraseKey;
    return fill(book[key] ?? book[`unit.${arg.unit}.other`], { n: num(arg.count) });
  }
  if ('date' in arg) return formattersOf(language).date.format(arg.date);
  if ('text' in arg) return arg.text;
  if ('list' in arg) return formattersOf(language).list.format(arg.list.map((item) => renderArg(item, language)));
  return renderPhrase(arg, language);
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** A phrase in a language, placeholders filled (one pass: user text is never expanded). */
export function renderPhrase(p: Phrase, language: Language): string {
  const values: Record<string, string> = {};
  for (const [name, arg] of Object.entries(p.args ?? {})) values[name] = renderArg(arg, language);
  return fill(PHRASE_BOOKS[language][p.key], values);
}

/** A phrase as a sentence: rendered, first letter upper case. */
export function sentence(p: Phrase, language: Language): string {
  const text = renderPhrase(p, language);
  return text.charAt(0).toLocaleUpperCase(LOCALES[language]) + text.slice(1);
}

export interface BookProblem {
  key: string;
  problem: string;
}

/** Keys missing from either book, and keys whose placeholders differ: empty when the books agree. */
export function compareBooks(books: Record<string, Record<string, string>>): BookProblem[] {
  const problems: BookProblem[] = [];
  const names = Object.keys(books);
  const keys = new Set(names.flatMap((n) => Object.keys(books[n]!)));
  for (const key of [...keys].sort()) {
    const missing = names.filter((n) => typeof books[n]![key] !== 'string');
    if (missing.length > 0) {
      problems.push({ key, problem: `missing in ${missing.join(', ')}` });
      continue;
    }
    const shapes = names.map((n) => `${n}: {${placeholders(books[n]![key]!).join('} {')}}`);
    if (new Set(names.map((n) => placeholders(books[n]![key]!).join(' '))).size > 1)
      problems.push({ key, problem: `placeholders differ (${shapes.join('; ')})` });
  }
  return problems;
}
