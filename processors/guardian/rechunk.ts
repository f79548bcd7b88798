/**
 * Turns an advisor's stream of pieces (sentences from the rule-based advisor,
 * token deltas from an LLM) into chunks of about `words` words, so the client
 * sees a steady progression whatever the advisor's granularity.
 *
 * Pieces are read as one continuous text: an LLM streams "Hel", "lo wor",
 * "ld", so a piece that does not end in whitespace may end mid-word. That
 * trailing partial word is held back and glued to the start of the next
 * piece; only when whitespace (or the end of the stream) follows is it a word.
 * Chunks carry words joined by single spaces, so chunks joined with ' ' give
 * the advisor's text with its whitespace collapsed. A stream that fails still
 * hands out the words it had produced before the error is passed on.
 */
export async function* rechunk(pieces: AsyncIterable<string>, words: number): AsyncGenerator<string> {
  const size = Math.max(1, Math.floor(words));
  let pending: string[] = [];
  // The end of the text so far when it may continue in the next piece ('' when it ended on whitespace).
  let partial = '';
  function* flush(): Generator<string> {
    if (partial.length > 0) pending.push(partial);
    partial = '';
    while (pending.length > 0) {
      yield pending.slice(0, size).join(' ');
      pending = pending.slice(size);
    }
  }
  try {
    for await (const piece of pieces) {
      if (piece.length === 0) continue;
      const text = partial + piece;
      const tokens = text.split(/\s+/);
      // split() leaves '' first for leading whitespace and last for trailing whitespace.
      partial = tokens.pop() ?? '';
      for (const t of tokens) if (t.length > 0) pending.push(t);
      while (pending.length >= size) {
        yield pending.slice(0, size).join(' ');
        pending = pending.slice(size);
      }
    }
  } catch (err) {
    // The advisor failed: what it had said still goes out (the stream ended, so the last word is complete), then the error.
    yield* flush();
    throw err;
  }
  yield* flush();
}
