/**
 * The languages the Guardian answers in. One list: the gateway's choice, the
 * event schemas' enum (checked by a test), the advisors' phrase books and the
 * prompt all follow it. Adding a language = a phrase book and an entry here.
 */
export const LANGUAGES = ['es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** AURA360's users write in Spanish: the default unless configured otherwise (`AURA_DEFAULT_LANGUAGE`). */
export const DEFAULT_LANGUAGE: Language = 'es';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * A supported language from a BCP 47 tag or a POSIX locale: `es`, `es-MX`,
 * `es_419`, `EN-us`, `en_US.UTF-8` → `es`/`en`; undefined for anything else
 * (`fr`, `*`, `""`, non-strings). Only the primary subtag decides (RFC 4647
 * lookup, reduced to what two languages need).
 */
export function languageOf(tag: unknown): Language | undefined {
  if (typeof tag !== 'string' || tag.length > 64) return undefined;
  const primary = /^\s*([A-Za-z]{2,3})(?:[-_.@\s]|$)/.exec(tag)?.[1]?.toLowerCase();
  return isLanguage(primary) ? primary : undefined;
}
