/**
 * The language of a Guardian answer, chosen per request, first clue wins:
 *
 *   1. `language` in the body (the app knows best: the user picked it);
 *   2. the token's `locale` claim (OpenID Connect standard claim, BCP 47);
 *   3. `Accept-Language` (RFC 9110 §12.5.4; the highest `q` we speak);
 *   4. the question itself (detect.ts);
 *   5. the Guardian's `default_language` (`AURA_DEFAULT_LANGUAGE`, `es`).
 *
 * Tags are matched on their primary subtag: `es-MX`, `es_419` and `es` are
 * all Spanish. A clue naming a language we do not speak (`fr-FR`) passes to
 * the next one, except in the body, where it is a 400 (the client asked for
 * something explicit that cannot be given).
 */

import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language, languageOf } from '../../providers/advisors/language.js';
import type { Pipeline } from '../../topology/model.js';
import type { GatewayEnv } from '../types.js';
import { detectLanguage } from './detect.js';

export type LanguageSource = 'body' | 'token' | 'accept-language' | 'question' | 'default';

export interface LanguageChoice {
  language: Language;
  source: LanguageSource;
}

/**
 * The Guardian's `default_language` in the pipeline: one setting for the
 * gateway's last resort and for requests other producers send without a
 * language. DEFAULT_LANGUAGE when the pipeline has no guardian.
 */
export function pipelineDefaultLanguage(pipeline: Pipeline): Language {
  const guardian = Object.values(pipeline.nodes).find((n) => n.kind === 'processor' && n.type === 'guardian');
  const configured = guardian?.config.default_language;
  return isLanguage(configured) ? configured : DEFAULT_LANGUAGE;
}

/** The highest-`q` entry of Accept-Language whose primary subtag we speak (`*` and `q=0` name nothing). */
export function acceptLanguage(c: Context<GatewayEnv>): Language | undefined {
  const chosen = accepts(c, {
    header: 'Accept-Language',
    supports: [...LANGUAGES],
    default: '',
    // Hono's parser (q values, quoting, malformed entries skipped); the match is ours: by primary subtag, stable on equal q.
    match: (entries) =>
      entries
        .filter((e) => e.q > 0)
        .sort((a, b) => b.q - a.q)
        .map((e) => languageOf(e.type))
        .find((l) => l !== undefined) ?? '',
  });
  return languageOf(chosen);
}

/** The `locale` claim of the verified token, when it names a language we speak. */
function tokenLocale(c: Context<GatewayEnv>): Language | undefined {
  const payload = c.get('jwtPayload');
  return typeof payload === 'object' && payload !== null ? languageOf((payload as { locale?: unknown }).locale) : undefined;
}

export async function chooseLanguage(c: Context<GatewayEnv>, request: { language?: Language; question: string }, fallback: Language): Promise<LanguageChoice> {
  if (request.language) return { language: request.language, source: 'body' };
  const fromToken = tokenLocale(c);
  if (fromToken) return { language: fromToken, source: 'token' };
  const fromHeader = acceptLanguage(c);
  if (fromHeader) return { language: fromHeader, source: 'accept-language' };
  const detected = await detectLanguage(request.question);
  if (detected) return { language: detected, source: 'question' };
  return { language: fallback, source: 'default' };
}
