/**
 * Durations in pipeline.yaml: `250ms`, `30s`, `10m`, `2h`, `7d`, `1w`, or a
 * number of milliseconds. One parser for the compiler and the processors.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`invalid duration ${value}`);
    return value;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value);
  if (!m) throw new RangeError(`invalid duration "${value}" (use e.g. 250ms, 30s, 10m, 2h, 7d)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
}

/** Like parseDuration, for optional config values. */
export function durationOr(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value);
}
