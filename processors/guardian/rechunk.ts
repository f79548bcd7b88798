/**
 * Turns an advisor's stream of pieces (sentences from the rule-based advisor,
 * token deltas from an LLM) into chunks of about `words` words, so the client
 * sees a steady progression whatever the advisor's granularity.
 */
export async function* rechunk(pieces: AsyncIterable<string>, words: number): AsyncGenerator<string> {
  let pending: string[] = [];
  for await (const piece of pieces) {
    const tokens = piece.split(/\s+/).filter((t) => t.length > 0);
    pending.push(...tokens);
    while (pending.length >= words) {
      yield pending.slice(0, words).join(' ');
      pending = pending.slice(words);
    }
  }
  if (pending.length > 0) yield pending.join(' ');
}
