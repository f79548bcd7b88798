import { describe, expect, it } from 'vitest';
import { rechunk } from './rechunk.js';

async function* from(pieces: string[]): AsyncGenerator<string> {
  for (const p of pieces) yield p;
}

async function collect(pieces: string[], words: number): Promise<string[]> {
  const out: string[] = [];
  for await (const c of rechunk(from(pieces), words)) out.push(c);
  return out;
}

const collapse = (s: string): string => s.trim().split(/\s+/).join(' ');

describe('rechunk', () => {
  it('re-assembles words split across LLM token deltas', async () => {
    expect(await collect(['Hel', 'lo wor', 'ld'], 12)).toEqual(['Hello world']);
    expect(await collect(['Hel', 'lo wor', 'ld'], 1)).toEqual(['Hello', 'world']);
    expect(await collect(['Sle', 'ep', ' ', 'ear', 'lier', ' to', 'night', '.'], 2)).toEqual(['Sleep earlier', 'tonight.']);
  });

  it('treats whitespace at a piece boundary as a word break', async () => {
    expect(await collect(['one ', 'two', ' three'], 1)).toEqual(['one', 'two', 'three']);
    expect(await collect(['one', '\ntwo', '\t', 'three'], 5)).toEqual(['one two three']);
  });

  it('keeps sentence pieces (the rules advisor) intact', async () => {
    const sentences = ['You slept well this week. ', 'Keep the evening walks. ', 'Try a fixed bedtime.'];
    const chunks = await collect(sentences, 4);
    expect(chunks).toEqual(['You slept well this', 'week. Keep the evening', 'walks. Try a fixed', 'bedtime.']);
    expect(chunks.join(' ')).toBe(collapse(sentences.join('')));
  });

  it('emits chunks of the requested size, the last one shorter', async () => {
    const chunks = await collect(['a b c d e f g'], 3);
    expect(chunks).toEqual(['a b c', 'd e f', 'g']);
  });

  it('ignores empty pieces and leading/trailing whitespace, and yields nothing for blank input', async () => {
    expect(await collect(['', '  ', 'x', '', 'y  '], 10)).toEqual(['xy']);
    expect(await collect(['   ', ''], 3)).toEqual([]);
    expect(await collect([], 3)).toEqual([]);
  });

  it('gives, for any split of a text into deltas, the same chunks as the whole text', async () => {
    const text = 'Your mood rose after each run this week; keep the three short runs and add a walk on rest days.';
    const whole = await collect([text], 5);
    // Deterministic pseudo-random cut points (a tiny LCG), many splittings.
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const deltas: string[] = [];
      let i = 0;
      while (i < text.length) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const n = 1 + (seed % 6);
        deltas.push(text.slice(i, i + n));
        i += n;
      }
      expect(await collect(deltas, 5)).toEqual(whole);
    }
    expect(whole.join(' ')).toBe(text);
  });

  it('hands out the words produced before a failure, then passes the failure on', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield 'Sleep at the same ';
      yield 'time every night.';
      throw new Error('model server down');
    }
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const c of rechunk(failing(), 5)) out.push(c);
      })(),
    ).rejects.toThrow('model server down');
    expect(out).toEqual(['Sleep at the same time', 'every night.']);
  });
});
