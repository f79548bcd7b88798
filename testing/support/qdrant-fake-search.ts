/**
 * The search half of the fake Qdrant (qdrant-fake-server.ts): exact scoring
 * over the stored points and the subset of Qdrant's filter language the
 * VectorSink uses. Unsupported conditions throw, so that the fake never
 * silently ignores a filter the adapter starts sending.
 */
import type { Schemas } from '@qdrant/js-client-rest';

export interface StoredPoint {
  id: string;
  /** Unit length for Cosine collections (Qdrant normalises at upsert). */
  vector: number[];
  payload: Record<string, unknown>;
}

type Condition = Schemas['Condition'];
type Clause = Condition | Condition[] | Record<string, unknown> | null | undefined;

export class UnsupportedFilter extends Error {
  readonly status = 400;
}

function list(clause: Clause): Condition[] {
  if (clause === null || clause === undefined) return [];
  return (Array.isArray(clause) ? clause : [clause]) as Condition[];
}

function matchesCondition(p: StoredPoint, c: Condition): boolean {
  const field = c as Schemas['FieldCondition'];
  const match = field.match as Partial<Schemas['MatchValue']> | null | undefined;
  if (typeof field.key !== 'string' || !match || !('value' in match) || Object.keys(c).some((k) => k !== 'key' && k !== 'match')) {
    throw new UnsupportedFilter(`fake Qdrant: unsupported condition ${JSON.stringify(c)}`);
  }
  const value = p.payload[field.key];
  // Qdrant matches a keyword against a scalar or any element of an array.
  return Array.isArray(value) ? value.includes(match.value) : value === match.value;
}

export function matchesFilter(p: StoredPoint, filter: Schemas['Filter'] | Record<string, unknown> | null | undefined): boolean {
  if (!filter) return true;
  const f = filter as Schemas['Filter'];
  const unknown = Object.keys(f).filter((k) => !['must', 'must_not', 'should'].includes(k));
  if (unknown.length > 0) throw new UnsupportedFilter(`fake Qdrant: unsupported filter keys ${unknown.join(', ')}`);
  const should = list(f.should);
  return (
    list(f.must).every((c) => matchesCondition(p, c)) &&
    !list(f.must_not).some((c) => matchesCondition(p, c)) &&
    (should.length === 0 || should.some((c) => matchesCondition(p, c)))
  );
}

/** The best `limit` points by dot product with the (unit) query, at or above `threshold`, best first. */
export function scoreAll(
  c: { points: Map<string, StoredPoint> },
  query: number[],
  filter: Schemas['Filter'] | Record<string, unknown> | null | undefined,
  limit: number,
  threshold: number | undefined,
): Array<{ point: StoredPoint; score: number }> {
  const hits: Array<{ point: StoredPoint; score: number }> = [];
  for (const point of c.points.values()) {
    if (!matchesFilter(point, filter)) continue;
    let score = 0;
    for (let i = 0; i < query.length; i++) score += query[i]! * point.vector[i]!;
    if (threshold !== undefined && score < threshold) continue;
    hits.push({ point, score });
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, limit);
}
