import { describe, expect, it } from 'vitest';
import { cosine } from '../providers/vector-math.js';
import { createHashingEmbedder, tokenizeWords } from './hashing-embedder.js';

describe('hashing embedder', () => {
  it('gives unit vectors of the requested size, deterministically', async () => {
    const e = createHashingEmbedder({ dims: 64 });
    expect(e.dims).toBe(64);
    expect(e.model).toBe('hashing-64');
    const [a, b] = await e.embed(['Slept well, feeling calm', 'Slept well, feeling calm']);
    expect(a!.length).toBe(64);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    const [fresh] = await createHashingEmbedder({ dims: 64 }).embed(['Slept well, feeling calm']);
    expect(Array.from(fresh!)).toEqual(Array.from(a!));
  });

  it('scores texts by shared words (case and punctuation ignored)', async () => {
    const e = createHashingEmbedder();
    const [a, same, overlap, disjoint] = await e.embed(['Long run in the park', 'long RUN, in the park!', 'a run in the rain', 'quarterly tax paperwork']);
    expect(cosine(a!, same!)).toBeCloseTo(1, 6);
    expect(cosine(a!, overlap!)).toBeGreaterThan(cosine(a!, disjoint!));
    expect(cosine(a!, overlap!)).toBeGreaterThan(0.2);
  });

  it('maps a text without words to the zero vector', async () => {
    const [v] = await createHashingEmbedder({ dims: 8 }).embed(['?!  …']);
    expect(Array.from(v!)).toEqual(new Array(8).fill(0));
    expect(tokenizeWords('Ça va? 3 km')).toEqual(['ça', 'va', '3', 'km']);
  });
});
