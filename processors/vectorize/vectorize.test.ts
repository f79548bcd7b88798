/**
 * vectorize through the TopologyTestDriver: each record with text comes out
 * with its vector, in input order per key; a record without text is an error
 * that follows the node's `on_error` (skipped and counted, or dead-lettered
 * with SCHEMA_VIOLATION), as the type's docs say, and never reaches the
 * embedder; `text` defaults to `summary_text`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../providers/types.js';
import { DLQ_HEADERS } from '../../runtime/dead-letter.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { inlineDriver } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const pipeline = (onError: string, config: string) => `
app: vectorize-test
defaults: { partitions: 2, dead_letter_topic: dead }
topics:
  notes: { name: vt.notes }
  vectors: { name: vt.vectors }
  dead: { name: vt.dead }
resources:
  embedder: { type: minilm }
processors:
  embed_notes:
    type: vectorize
    from: notes
    to: vectors
    on_error: ${onError}
    config: ${config}
`;

/** The hashing embedder, recording how many texts each call embeds. */
function recordingEmbedder(): Embedder & { calls: number[] } {
  const inner = createHashingEmbedder({ dims: 16 });
  const calls: number[] = [];
  const embed = (texts: string[]) => {
    calls.push(texts.length);
    return inner.embed(texts);
  };
  return { model: inner.model, dims: inner.dims, calls, embed, close: () => inner.close() };
}

const note = (user: string, text: unknown, end: number) => ({ user_id: user, window: { start: end - 10, end }, data: { note: text } });

describe('vectorize', () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  it('skips a record without text under on_error: skip, counting it, and embeds the others in order', async () => {
    const embedder = recordingEmbedder();
    driver = await inlineDriver(pipeline('skip', '{ embedder: embedder, text: data.note }'), { resources: { embedder } });
    await driver.pipeInput('notes', [
      { key: 'u1', value: note('u1', 'slept well', 1) },
      { key: 'u1', value: note('u1', undefined, 2) },
      { key: 'u1', value: note('u1', '   ', 3) },
      { key: 'u1', value: note('u1', 42, 4) },
      { key: 'u1', value: note('u1', 'long walk', 5) },
    ]);
    const out = (await driver.readOutput('vectors')).map((r) => r.value as { summary_text: string; window_end: number; dims: number; vector: number[] });
    expect(out.map((v) => [v.summary_text, v.window_end])).toEqual([
      ['slept well', 1],
      ['long walk', 5],
    ]);
    const [expected] = await createHashingEmbedder({ dims: 16 }).embed(['slept well']);
    expect(out[0]!.dims).toBe(16);
    expect(out[0]!.vector).toEqual(Array.from(expected!, (x) => Math.round(x * 1e6) / 1e6));
    const metrics = driver.app.engine.metrics;
    expect(metrics.skippedRecordsTotal).toBe(3);
    expect(metrics.node('embed_notes').errorTotal).toBe(3);
    expect(embedder.calls.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('sends a record without text to the dead letter topic with SCHEMA_VIOLATION under on_error: dead_letter', async () => {
    driver = await inlineDriver(pipeline('dead_letter', '{ embedder: embedder, text: data.note }'), { resources: { embedder: recordingEmbedder() } });
    await driver.pipeInput('notes', [
      { key: 'u2', value: note('u2', null, 1) },
      { key: 'u2', value: note('u2', 'calm evening', 2) },
    ]);
    const dead = await driver.readOutput('dead');
    expect(dead.map((d) => [d.key, d.headers[DLQ_HEADERS.node], d.headers[DLQ_HEADERS.code]])).toEqual([['u2', 'embed_notes', 'SCHEMA_VIOLATION']]);
    expect(dead[0]!.headers[DLQ_HEADERS.message]).toBe('no text to embed at "data.note"');
    expect((await driver.readOutput('vectors')).map((r) => (r.value as { summary_text: string }).summary_text)).toEqual(['calm evening']);
  });

  it('reads summary_text when `text` is left out (its declared default)', async () => {
    driver = await inlineDriver(pipeline('fail', '{ embedder: embedder }'), { resources: { embedder: recordingEmbedder() } });
    await driver.pipeInput('notes', [{ key: 'u3', value: { user_id: 'u3', summary_text: 'Mood averaged 7/10.' } }]);
    const [out] = await driver.readOutput('vectors');
    expect((out!.value as { summary_text: string; context: unknown }).summary_text).toBe('Mood averaged 7/10.');
  });
});
