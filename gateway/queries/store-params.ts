/**
 * Query parameters of the operator store API, checked one by one (400 with
 * every problem), and the scan cursor: `base64url(JSON [partition, afterKey])`,
 * opaque to clients, validated like any input when it comes back.
 */
import { HttpCodes, HttpError } from '../http-error.js';

export const MAX_SCAN_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
const MAX_TEXT = 1000;

export interface ScanQuery {
  count: boolean;
  partition?: number;
  prefix?: string;
  /** Only with `partition`: keys after this one. */
  after?: string;
  limit: number;
  cursor?: string;
}

export function parseScanQuery(raw: Record<string, string>, partitions: number): ScanQuery {
  const errors: Array<{ path: string; message: string }> = [];
  const known = new Set(['count', 'partition', 'prefix', 'after', 'limit', 'cursor']);
  for (const k of Object.keys(raw)) if (!known.has(k)) errors.push({ path: `/query/${k.slice(0, 50)}`, message: `is not a parameter (expected one of ${[...known].join(', ')})` });
  const text = (name: string): string | undefined => {
    const v = raw[name];
    if (v !== undefined && v.length > MAX_TEXT) errors.push({ path: `/query/${name}`, message: `must be at most ${MAX_TEXT} characters` });
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) errors.push({ path: `/query/${name}`, message: `must be an integer from ${min} to ${max}` });
    return n;
  };
  const count = raw.count === 'true' || raw.count === '1';
  if (raw.count !== undefined && !count && raw.count !== 'false' && raw.count !== '0') errors.push({ path: '/query/count', message: 'must be true or false' });
  const partition = int('partition', 0, partitions - 1);
  const limit = int('limit', 1, MAX_SCAN_LIMIT) ?? DEFAULT_LIMIT;
  const prefix = text('prefix');
  const after = text('after');
  const cursor = text('cursor');
  if (after !== undefined && partition === undefined) errors.push({ path: '/query/after', message: 'needs partition (across partitions, page with cursor)' });
  if (cursor !== undefined && partition !== undefined) errors.push({ path: '/query/cursor', message: 'cannot be combined with partition (use after)' });
  const badCursor = cursor === undefined ? undefined : cursorProblem(cursor, partitions);
  if (badCursor) errors.push({ path: '/query/cursor', message: badCursor });
  if (errors.length > 0) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'invalid query', { errors });
  return { count, partition, prefix: prefix || undefined, after, limit, cursor };
}

export function encodeCursor(partition: number, after: string | undefined): string {
  return Buffer.from(JSON.stringify(after === undefined ? [partition] : [partition, after])).toString('base64url');
}

/** The start of a scan: partition 0 without a cursor. Call after parseScanQuery validated it. */
export function decodeCursor(cursor: string | undefined): { partition: number; after: string | undefined } {
  if (cursor === undefined) return { partition: 0, after: undefined };
  const [partition, after] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string | undefined];
  return { partition, after };
}

function cursorProblem(cursor: string, partitions: number): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return 'is not a cursor this API returned';
  }
  if (!Array.isArray(v) || v.length < 1 || v.length > 2) return 'is not a cursor this API returned';
  const [p, after] = v as unknown[];
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= partitions) return 'names a partition the store does not have';
  if (after !== undefined && (typeof after !== 'string' || after.length > MAX_TEXT)) return 'is not a cursor this API returned';
  return undefined;
}
