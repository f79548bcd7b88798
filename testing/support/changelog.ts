/**
 * The state a key-value store's changelog folds to, as the store reads it:
 * the last record per physical key wins (a null value deletes), then each
 * list-rows head (state/list-rows.ts) gets its list back from its segment
 * records. For tests that check "the store equals the fold" on the log itself.
 */
import { assembleHead, headSlots, isElementKey, splitElementKey, unescapeKey } from '../../state/list-rows.js';

export function foldChangelog<V = unknown, R = Buffer>(
  records: Iterable<{ key: string | null | undefined; value: R | null }>,
  decode: (v: R) => unknown,
): Map<string, V> {
  const last = new Map<string, string | null>();
  for (const r of records) {
    if (r.key == null) continue;
    const v = r.value == null ? null : decode(r.value);
    last.set(r.key, v === null ? null : JSON.stringify(v));
  }
  const segments = new Map<string, Map<number, string>>();
  for (const [k, json] of last) {
    if (json === null || !isElementKey(k)) continue;
    const [head, segment] = splitElementKey(k);
    let m = segments.get(head);
    if (!m) segments.set(head, (m = new Map()));
    m.set(segment, json);
  }
  const out = new Map<string, V>();
  for (const [k, json] of last) {
    if (json === null || isElementKey(k)) continue;
    const value = JSON.parse(json) as unknown;
    if (headSlots(value) !== undefined) assembleHead(value, segments.get(k) ?? new Map());
    out.set(unescapeKey(k), value as V);
  }
  return out;
}
