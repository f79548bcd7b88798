/**
 * Deterministic wellness-like texts for the embedder's benchmark and tests:
 * short notes (6–14 words, like the mobile app's notes) and context summaries
 * (50–70 words, like `summary_text`). A small LCG, so every run gets the same.
 */
const WORDS = (
  'slept well badly tired calm anxious stressed happy sad energetic walked ran cycled swam meditated ' +
  'journaled worked studied cooked read friends family dinner lunch park gym yoga exam deadline meeting ' +
  'morning evening night minutes hours long short great hard today yesterday felt was had went with after before'
).split(' ');

export function wellnessTexts(n: number, minWords: number, maxWords: number, seed = 42): string[] {
  let x = seed >>> 0;
  const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, () => {
    const len = minWords + (next() % (maxWords - minWords + 1));
    return Array.from({ length: len }, () => WORDS[next() % WORDS.length]).join(' ');
  });
}

/** `n` notes and n/4 (at least 32) summaries. */
export function embedderCorpus(n: number): { notes: string[]; summaries: string[] } {
  return { notes: wellnessTexts(n, 6, 14), summaries: wellnessTexts(Math.max(32, Math.floor(n / 4)), 50, 70, 7) };
}
