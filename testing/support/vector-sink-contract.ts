/**
 * The behaviour every VectorSink must have, as a reusable vitest suite. The
 * embedded store runs it in embedded.test.ts; the Qdrant adapter runs the same
 * suite when QDRANT_URL is set. Ids come from pointId() (Qdrant accepts only
 * UUIDs or integers), vectors are small (8-d) and deterministic.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pointId } from '../../providers/point-id.js';
import type { VectorPoint, VectorSink } from '../../providers/types.js';

const DIMS = 8;

/** A unit axis vector with a little of the next axis: distinct, predictable similarities. */
function axis(i: number, tilt = 0): number[] {
  const v = new Array<number>(DIMS).fill(0);
  v[i % DIMS] = 1;
  v[(i + 1) % DIMS] = tilt;
  return v;
}

function point(userId: string, end: number, vector: number[], extra: Record<string, unknown> = {}): VectorPoint {
  return { id: pointId(userId, end - 1000, end), vector, payload: { user_id: userId, window_end: end, summary_text: `${userId} at ${end}`, ...extra } };
}

export function describeVectorSinkContract(name: string, factory: () => Promise<VectorSink>): void {
  describe(`VectorSink contract: ${name}`, () => {
    const open: VectorSink[] = [];
    const fresh = async (): Promise<VectorSink> => {
      const sink = await factory();
      open.push(sink);
      await sink.ensureCollection(DIMS);
      return sink;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('returns the nearest points first, with cosine scores', async () => {
      const sink = await fresh();
      await sink.upsert([point('u1', 1, axis(0)), point('u1', 2, axis(0, 0.5)), point('u1', 3, axis(0, 2)), point('u1', 4, axis(4))]);
      const hits = await sink.search({ vector: axis(0), userId: 'u1', topK: 4 });
      expect(hits.map((h) => h.payload.window_end)).toEqual([1, 2, 3, 4]);
      expect(hits[0]!.id).toBe(pointId('u1', -999, 1));
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      expect(hits[1]!.score).toBeCloseTo(1 / Math.sqrt(1.25), 4); // vectors need not be unit length
      expect(hits[3]!.score).toBeCloseTo(0, 4);
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    });

    it('keeps the payload as given', async () => {
      const sink = await fresh();
      await sink.upsert([point('u1', 10, axis(1), { model: 'm', mood_avg: 6.5, notes: ['a', 'b'] })]);
      const [hit] = await sink.search({ vector: axis(1), userId: 'u1', topK: 1 });
      expect(hit!.payload).toEqual({ user_id: 'u1', window_end: 10, summary_text: 'u1 at 10', model: 'm', mood_avg: 6.5, notes: ['a', 'b'] });
    });

    it("never returns another user's points when filtered by user", async () => {
      const sink = await fresh();
      await sink.upsert([point('alice', 1, axis(2)), point('bob', 1, axis(2)), point('bob', 2, axis(2, 0.1)), point('alice', 2, axis(5))]);
      const alice = await sink.search({ vector: axis(2), userId: 'alice', topK: 10 });
      expect(alice.map((h) => h.payload.user_id)).toEqual(['alice', 'alice']);
      expect(alice[0]!.payload.window_end).toBe(1);
      expect(await sink.search({ vector: axis(2), userId: 'carol', topK: 10 })).toEqual([]);
      // Without a user, everyone's points compete.
      const all = await sink.search({ vector: axis(2), topK: 10 });
      expect(all).toHaveLength(4);
      expect(new Set(all.slice(0, 2).map((h) => h.payload.user_id))).toEqual(new Set(['alice', 'bob']));
    });

    it('overwrites a point upserted again with the same id (replays do not duplicate)', async () => {
      const sink = await fresh();
      await sink.upsert([point('u1', 5, axis(3), { version: 1 })]);
      await sink.upsert([point('u1', 5, axis(6), { version: 2 })]);
      expect(await sink.count('u1')).toBe(1);
      const [hit] = await sink.search({ vector: axis(6), userId: 'u1', topK: 5 });
      expect(hit!.payload.version).toBe(2);
      expect(hit!.score).toBeCloseTo(1, 4); // the vector was replaced too
      // The same id twice in one batch: the last one wins.
      await sink.upsert([point('u1', 6, axis(0), { version: 1 }), point('u1', 6, axis(0), { version: 3 })]);
      expect(await sink.count('u1')).toBe(2);
      const [again] = await sink.search({ vector: axis(0), userId: 'u1', topK: 1 });
      expect(again!.payload.version).toBe(3);
    });

    it('returns at most topK hits', async () => {
      const sink = await fresh();
      await sink.upsert(Array.from({ length: 12 }, (_, i) => point('u1', i + 1, axis(i, 0.3))));
      expect(await sink.search({ vector: axis(0), userId: 'u1', topK: 3 })).toHaveLength(3);
      expect(await sink.search({ vector: axis(0), userId: 'u1', topK: 1 })).toHaveLength(1);
      expect(await sink.search({ vector: axis(0), userId: 'u1', topK: 50 })).toHaveLength(12);
    });

    it('drops hits below minScore', async () => {
      const sink = await fresh();
      await sink.upsert([point('u1', 1, axis(0)), point('u1', 2, axis(0, 1)), point('u1', 3, axis(4))]);
      const hits = await sink.search({ vector: axis(0), userId: 'u1', topK: 10, minScore: 0.5 });
      expect(hits.map((h) => h.payload.window_end)).toEqual([1, 2]);
      for (const h of hits) expect(h.score).toBeGreaterThanOrEqual(0.5);
      expect(await sink.search({ vector: axis(0), userId: 'u1', topK: 10, minScore: 0.9999 })).toHaveLength(1);
    });

    it('counts points, per user and in total', async () => {
      const sink = await fresh();
      expect(await sink.count()).toBe(0);
      expect(await sink.search({ vector: axis(0), topK: 3 })).toEqual([]);
      await sink.upsert([point('a', 1, axis(0)), point('a', 2, axis(1)), point('b', 1, axis(2))]);
      expect(await sink.count()).toBe(3);
      expect(await sink.count('a')).toBe(2);
      expect(await sink.count('b')).toBe(1);
      expect(await sink.count('nobody')).toBe(0);
    });

    it('rejects vectors of the wrong size', async () => {
      const sink = await fresh();
      await expect(sink.upsert([point('u1', 1, [1, 0, 0])])).rejects.toThrow();
      expect(await sink.count()).toBe(0);
    });
  });
}
