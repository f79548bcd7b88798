/**
 * Which of the supported languages a short question is written in — the last
 * clue the gateway uses before the configured default (docs/gateway.md,
 * "Language").
 *
 * A documented heuristic first, tinyld (an n-gram detector) only when the
 * heuristic finds no evidence. Measured on the questions AURA360's users ask
 * ("¿Cómo duermo mejor?", "How do I sleep better?": three or four words,
 * often without accents; the corpus is in detect.test.ts): tinyld alone
 * misses 11 of 200 (one of them confidently wrong: "hello" → es), the
 * heuristic alone 2 (none wrong), the two together none. The heuristic is
 * free; tinyld costs ~120 ms and ~20 MB when first needed, so it is loaded
 * then. Both abstain rather than guess on texts with no language ("ok",
 * "yoga"), and the default decides.
 *
 * Evidence, per word: Spanish-only characters (¿ ¡ ñ and accented vowels),
 * English contractions ("don't", "I'm"), frequent function words and the
 * app's own wellness vocabulary of each language, and a few suffixes
 * (-ción/-mente/-iendo, -ing/-tion/-ness). Words that are words in both
 * languages ("no", "me", "a", "he", "come") are in neither list.
 */
import { LANGUAGES, type Language, languageOf } from '../../providers/advisors/language.js';

/** Accent-free, lower case: users often type Spanish without accents. */
const fold = (word: string): string => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

const words = (list: string): Set<string> => new Set(list.trim().split(/\s+/).map(fold));

const SPANISH = words(`
  de del la las el los lo un una unos unas y o en con por para sin sobre entre hasta desde hacia
  que qué como cómo cuando cuándo donde dónde cual cuál cuanto cuánto cuanta cuánta quien quién porque por qué pero
  mi mis tu tus su sus mí ti te se nos os les yo tú él ella ellos ellas usted nosotros nosotras
  es soy eres estoy estás está estamos están estaba estado ser estar hay hago hace hacer
  tengo tienes tiene tener puedo puedes puede poder debo debería deberia quiero quieres necesito
  siento sientes sentir duermo dormir dormí durmiendo despierto levantarme ando voy va
  muy mucho mucha muchos mejor peor más mas menos poco algo nada todo todos todas siempre nunca también tambien ya aún aun
  bien mal así asi ahora hoy ayer mañana noche día dias días semana vez veces este esta esto estos estas ese esa eso
  ayuda ayudas consejo consejos gracias hola buenas buenos vale
  sueño cansada cansado cansancio agotada agotado ansiedad estrés estres triste tristeza ánimo animo ganas
  trabajo jefe ejercicio caminar correr salud vida pareja amigos familia sola solo cabeza energía energia
  insomnio pesadillas propósito proposito meditar meditación
`);

const ENGLISH = words(`
  the of and to in on at for with about from into over by or but if than then so because
  what how why when where which who whom whose
  my your his her its our their i you we they it him them us myself
  is am are was were be been being do does did doing have had having can could should would will shall may might must
  not don't doesn't didn't can't cannot won't isn't aren't i'm i've i'd i'll it's that's what's
  this that these those there here some any every all much many more most less little very too really just
  get got feel feeling felt sleep slept sleeping tired wake up down out off
  good bad better worse well now today yesterday tonight night day week time always never again still
  help thanks thank hello hi please tip tips advice
  work boss stress anxiety anxious sad mood energy exercise walking running lonely friends family partner life
  insomnia nightmares purpose meditate meditation fatigue exhausted focus
`);

const SPANISH_CHARS = /[¿¡ñ]/g;
const ACCENTED_WORD = /[áéíóúü]/;
const SPANISH_SUFFIX = /(?:cion|ciones|mente|iendo|ando|dad|dades)$/;
const ENGLISH_SUFFIX = /(?:ing|tion|tions|ness|ful)$/;

export interface LanguageScores {
  es: number;
  en: number;
}

/** The evidence for each language (exported so the tests can show why a text was classified). */
export function languageScores(text: string): LanguageScores {
  const scores: LanguageScores = { es: 0, en: 0 };
  scores.es += 2 * (text.match(SPANISH_CHARS)?.length ?? 0);
  // Letters, marks and apostrophes make a word ("don't" stays one word; ’ is folded to ').
  for (const raw of text
    .toLowerCase()
    .replace(/’/g, "'")
    .match(/[\p{L}\p{M}']+/gu) ?? []) {
    const word = raw.replace(/^'+|'+$/g, '');
    if (word.length === 0) continue;
    const folded = fold(word);
    if (ACCENTED_WORD.test(word)) scores.es += 2;
    else if (word.includes("'")) scores.en += 2;
    if (SPANISH.has(folded)) scores.es += 1;
    if (ENGLISH.has(folded)) scores.en += 1;
    if (!SPANISH.has(folded) && !ENGLISH.has(folded) && folded.length > 4) {
      if (SPANISH_SUFFIX.test(folded)) scores.es += 1;
      else if (ENGLISH_SUFFIX.test(folded)) scores.en += 1;
    }
  }
  return scores;
}

let tinyld: Promise<typeof import('tinyld')> | undefined;

/**
 * The language with more evidence; on a tie (no evidence at all, or as much
 * for both) tinyld decides, restricted to the supported languages — loaded on
 * first use, it abstains on texts with no language in them ("ok", "?").
 * Undefined when neither can tell: the caller's default applies.
 */
export async function detectLanguage(text: string): Promise<Language | undefined> {
  const { es, en } = languageScores(text);
  if (es !== en) return es > en ? 'es' : 'en';
  const { detect } = await (tinyld ??= import('tinyld'));
  return languageOf(detect(text, { only: [...LANGUAGES] }));
}
