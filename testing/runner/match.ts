/**
 * Comparing what a pipeline produced with what a test expects. Objects match
 * partially (every field the test gives must be equal; others are ignored),
 * arrays and scalars exactly — so a test states only what it is about, yet an
 * array of notes or events is checked element by element. The first
 * difference is returned with its path, for a readable failure.
 */

export interface Mismatch {
  /** Path inside the compared value, e.g. `['mood', 'avg']`. */
  path: Array<string | number>;
  expected: unknown;
  actual: unknown;
  /** Why, when equality alone does not say it (missing field, length, type). */
  reason?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Every field of `expected` must be in `actual` and match (partially for objects, exactly for arrays). */
export function matchPartial(expected: unknown, actual: unknown, path: Array<string | number> = []): Mismatch | undefined {
  if (isObject(expected)) {
    if (!isObject(actual)) return { path, expected, actual, reason: `expected an object, got ${kind(actual)}` };
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return { path: [...path, k], expected: v, actual: undefined, reason: 'missing field' };
      const m = matchPartial(v, actual[k], [...path, k]);
      if (m) return m;
    }
    return undefined;
  }
  return matchExact(expected, actual, path);
}

/** Deep equality, reporting the first difference. */
export function matchExact(expected: unknown, actual: unknown, path: Array<string | number> = []): Mismatch | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return { path, expected, actual, reason: `expected an array, got ${kind(actual)}` };
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      const m = matchExact(expected[i], actual[i], [...path, i]);
      if (m) return m;
    }
    if (expected.length !== actual.length) return { path, expected, actual, reason: `expected ${expected.length} elements, got ${actual.length}` };
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return { path, expected, actual, reason: `expected an object, got ${kind(actual)}` };
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return { path: [...path, k], expected: v, actual: undefined, reason: 'missing field' };
      const m = matchExact(v, actual[k], [...path, k]);
      if (m) return m;
    }
    const extra = Object.keys(actual).find((k) => !(k in expected));
    if (extra !== undefined)
      return { path: [...path, extra], expected: undefined, actual: actual[extra], reason: 'unexpected field (arrays are compared exactly)' };
    return undefined;
  }
  return Object.is(expected, actual) || (expected === 0 && actual === 0) ? undefined : { path, expected, actual };
}

function kind(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'nothing';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** `a.b[2].c` */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? (i === 0 ? p : `.${p}`) : `[${JSON.stringify(p)}]`))
    .join('');
}

/** Compact JSON for failure messages, cut at `max` characters. */
export function preview(value: unknown, max = 300): string {
  const text = value === undefined ? '(nothing)' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
