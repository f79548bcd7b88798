/**
 * A small labelled set for embedding quality: for each anchor, a paraphrase
 * (same meaning, few shared words) and an unrelated sentence (often sharing
 * surface words with the anchor, which is what fools a lexical embedder).
 * An embedder "gets" a triple when cos(anchor, paraphrase) > cos(anchor, unrelated).
 */
export interface Triple {
  anchor: string;
  paraphrase: string;
  unrelated: string;
}

export const WELLNESS_TRIPLES: readonly Triple[] = [
  { anchor: 'I felt anxious before my exam', paraphrase: 'I was nervous ahead of the test', unrelated: 'I went for a long bike ride' },
  { anchor: "I couldn't fall asleep last night", paraphrase: 'Insomnia kept me awake until 3am', unrelated: "I couldn't find my keys last night" },
  { anchor: 'Meditation helped me calm down', paraphrase: 'A few minutes of mindful breathing relaxed me', unrelated: 'I helped my neighbour move furniture' },
  { anchor: "I'm exhausted after a long day at work", paraphrase: 'My job drained all my energy today', unrelated: 'I had a long relaxing day at the beach' },
  { anchor: 'Running in the park made me happy', paraphrase: 'A jog outdoors lifted my mood', unrelated: 'The park was closed for renovation' },
  { anchor: 'I feel lonely and isolated', paraphrase: 'Nobody has talked to me in days and I feel alone', unrelated: 'I feel excited about my new phone' },
  { anchor: 'I had a great dinner with friends', paraphrase: 'Eating out with my buddies was wonderful', unrelated: 'I had a great score in my chess app' },
  { anchor: 'My work feels meaningless', paraphrase: "I don't see any purpose in my job", unrelated: 'My work laptop needs a new battery' },
  { anchor: 'I did yoga this morning', paraphrase: 'Started the day with some stretching poses on the mat', unrelated: 'I did my taxes this morning' },
  { anchor: "I'm stressed about money", paraphrase: 'Financial worries are weighing on me', unrelated: "I'm saving money for a new bike" },
  { anchor: 'I love painting on weekends', paraphrase: 'Making art on Saturdays brings me joy', unrelated: 'I hate the traffic on weekends' },
  { anchor: 'I volunteered at the food bank', paraphrase: 'I helped hand out meals to people in need', unrelated: 'I ate at a food truck' },
];

/** Share of triples where the paraphrase is closer than the unrelated sentence, and the mean margin. */
export function tripleAccuracy(
  vectors: (text: string) => Float32Array,
  triples: readonly Triple[] = WELLNESS_TRIPLES,
): { accuracy: number; meanMargin: number; misses: Triple[] } {
  const cos = (a: Float32Array, b: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };
  let hits = 0;
  let margin = 0;
  const misses: Triple[] = [];
  for (const t of triples) {
    const a = vectors(t.anchor);
    const m = cos(a, vectors(t.paraphrase)) - cos(a, vectors(t.unrelated));
    margin += m;
    if (m > 0) hits++;
    else misses.push(t);
  }
  return { accuracy: hits / triples.length, meanMargin: margin / triples.length, misses };
}

export function tripleTexts(triples: readonly Triple[] = WELLNESS_TRIPLES): string[] {
  return [...new Set(triples.flatMap((t) => [t.anchor, t.paraphrase, t.unrelated]))];
}
