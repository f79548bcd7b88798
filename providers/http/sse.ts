/**
 * A Server-Sent Events reader (the framing of OpenAI-style streaming): yields
 * the `data` of each event. Lines may be split anywhere across network
 * chunks, a multi-byte character too (TextDecoder in stream mode), and CR,
 * LF and CRLF all end a line, as the SSE spec says. Comments (`:`) and other
 * fields (`event`, `id`, `retry`) are ignored: the chat stream needs only data.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const lineEnd = /\r\n|\r|\n/g;

  function* take(final: boolean): Generator<string> {
    let start = 0;
    lineEnd.lastIndex = 0;
    for (let m = lineEnd.exec(buffer); m; m = lineEnd.exec(buffer)) {
      // A CR last in the buffer may be the first half of a CRLF: wait for more.
      if (!final && m[0] === '\r' && m.index === buffer.length - 1) break;
      const line = buffer.slice(start, m.index);
      start = m.index + m[0].length;
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      if (field !== 'data') continue;
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      data.push(value);
    }
    buffer = buffer.slice(start);
  }

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* take(false);
  }
  buffer += decoder.decode();
  yield* take(true);
  // A stream cut without the closing blank line still delivers its last event.
  if (buffer.startsWith('data:')) data.push(buffer.slice(5).replace(/^ /, ''));
  if (data.length > 0) yield data.join('\n');
}
