import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { describeVectorSinkContract } from '../../testing/support/vector-sink-contract.js';
import { pointId } from '../point-id.js';
import type { VectorPoint } from '../types.js';
import { createEmbeddedVectorStore } from './embedded.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-vectors-'));
let seq = 0;
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describeVectorSinkContract('embedded (SQLite file)', async () => createEmbeddedVectorStore({ path: path.join(root, `contract-${++seq}.db`) }));
describeVectorSinkContract('embedded (:memory:)', async () => createEmbeddedVectorStore({ path: ':memory:' }));

const p = (user: string, end: number, vector: number[]): VectorPoint => ({
  id: pointId(user, 0, end),
  vector,
  payload: { user_id: user, window_end: end, summary_text: `s${end}` },
});

describe('embedded vector store', () => {
  let file: string;
  beforeEach(() => {
    file = path.join(root, `store-${++seq}`, 'nested', 'vectors.db');
  });

  it('persists points and the dimension across reopen, creating the directory', async () => {
    const a = createEmbeddedVectorStore({ path: file, name: 'ctx' });
    expect(a.name).toBe('ctx');
    await a.upsert([p('u', 1, [3, 4, 0])]);
    expect(a.dims).toBe(3);
    await a.close();
    const b = createEmbeddedVectorStore({ path: file });
    expect(b.dims).toBe(3);
    expect(await b.count('u')).toBe(1);
    const [hit] = await b.search({ vector: [0.6, 0.8, 0], topK: 1 });
    expect(hit!.score).toBeCloseTo(1, 6); // normalised at insert
    await expect(b.ensureCollection(4)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(b.upsert([p('u', 2, [1, 0])])).rejects.toBeInstanceOf(AuraError);
    await expect(b.search({ vector: [1, 0], topK: 1 })).rejects.toMatchObject({ code: 'PROVIDER_FAILED' });
    await b.close();
    await expect(b.count()).rejects.toBeInstanceOf(AuraError);
  });

  it('rejects points without a user or window end, writing nothing of the batch', async () => {
    const s = createEmbeddedVectorStore({ path: file });
    const bad = { id: 'x', vector: [1, 0], payload: { window_end: 1, summary_text: '' } } as unknown as VectorPoint;
    await expect(s.upsert([p('u', 1, [1, 0]), bad])).rejects.toMatchObject({ code: 'PROVIDER_FAILED' });
    expect(await s.count()).toBe(0);
    await s.close();
  });

  it('sees the latest data after its cached matrix was built (own and other connections)', async () => {
    const s = createEmbeddedVectorStore({ path: file });
    await s.upsert([p('u', 1, [1, 0])]);
    expect((await s.search({ vector: [0, 1], userId: 'u', topK: 1 }))[0]!.payload.window_end).toBe(1);
    expect(await s.search({ vector: [0, 1], topK: 5 })).toHaveLength(1);
    await s.upsert([p('u', 2, [0, 1])]); // invalidates u's and the all-users matrix
    expect((await s.search({ vector: [0, 1], userId: 'u', topK: 1 }))[0]!.payload.window_end).toBe(2);
    expect(await s.search({ vector: [0, 1], topK: 5 })).toHaveLength(2);
    // Another connection (e.g. another process) writes the same file.
    const other = createEmbeddedVectorStore({ path: file });
    await other.upsert([p('u', 3, [0.1, 1])]);
    await other.close();
    const hits = await s.search({ vector: [0, 1], userId: 'u', topK: 5 });
    expect(hits.map((h) => h.payload.window_end)).toEqual([2, 3, 1]);
    await s.close();
  });

  it("moves a point that changes user out of the old user's results", async () => {
    const s = createEmbeddedVectorStore({ path: file });
    const pt = p('a', 1, [1, 0]);
    await s.upsert([pt]);
    expect(await s.search({ vector: [1, 0], userId: 'a', topK: 1 })).toHaveLength(1);
    await s.upsert([{ ...pt, payload: { ...pt.payload, user_id: 'b' } }]);
    expect(await s.search({ vector: [1, 0], userId: 'a', topK: 1 })).toEqual([]);
    expect(await s.count('b')).toBe(1);
    await s.close();
  });

  it('works when the cache budget is too small to hold any matrix', async () => {
    const s = createEmbeddedVectorStore({ path: file, cacheBytes: 1 });
    await s.upsert([p('u', 1, [1, 0]), p('u', 2, [0, 1])]);
    const hits = await s.search({ vector: [0.2, 1], userId: 'u', topK: 2 });
    expect(hits.map((h) => h.payload.window_end)).toEqual([2, 1]);
    await s.close();
  });
});
