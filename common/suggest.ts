/**
 * "Did you mean" suggestions for unknown names (fields, ids, types).
 */
import { distance } from 'fastest-levenshtein';

/** The closest candidate, if close enough to be a plausible typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Up to a third of the name's length (at least 1, at most 3 edits): "form"→"from", "context_agregated"→"context_aggregated".
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  // A suggestion must keep something of the name: "b" is not a typo of "a".
  return best !== undefined && bestDistance <= allowed && bestDistance < name.length ? best : undefined;
}

/** Levenshtein distance, counting a swap of two letters ("form" for "from") as one edit. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === b.length && [...a].sort().join('') === [...b].sort().join('')) {
    const differing = [...a].filter((ch, i) => ch !== b[i]).length;
    if (differing === 2) return 1;
  }
  return distance(a, b);
}

/** ` (did you mean "x"?)` or an empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closest(name, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** `"a", "b" or "c"`. */
export function quotedList(items: readonly string[], conjunction = 'or'): string {
  const quoted = items.map((i) => `"${i}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}
