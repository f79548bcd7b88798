/**
 * Durations as written in pipeline.yaml: an integer of milliseconds or a string
 * with one unit (`100ms`, `30s`, `10m`, `2h`, `7d`, `1w`). Shared by the DSL
 * schema, the processor config schemas and the runtime, so a duration means the
 * same thing everywhere.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_RE = /^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** Pattern accepted by the JSON Schemas (non-negative durations). */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?\\s*(ms|s|m|h|d|w)$';
/** Same, allowing a leading minus (window fields, where a negative value gets a precise semantic error). */
export const SIGNED_DURATION_PATTERN = '^-?\\d+(\\.\\d+)?\\s*(ms|s|m|h|d|w)$';

/** Milliseconds of a duration, or undefined when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/** Milliseconds of a duration; throws on anything else (for values already validated by the compiler). */
export function toMillis(value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new TypeError(`not a duration: ${JSON.stringify(value)}`);
  return ms;
}

/** Human form of a millisecond count, in days down to milliseconds (`7d`, `2h10m`, `1d2h10m`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return out;
}
