/**
 * Store keys as strings: the cache key of an entry and the key of its
 * changelog record are the same string, so restore can rebuild the SQLite row
 * from a changelog record alone.
 *
 * Format (stable: it is written to compacted changelog topics):
 * - key-value store: the key itself, unchanged (so a table's source topic and
 *   a key-value changelog look alike).
 * - window store:    JSON array `[key, windowStart]`, e.g. `["u1",1700000000000]`.
 * - session store:   JSON array `[key, start, end]`,   e.g. `["u1",1000,5000]`.
 *
 * JSON arrays are unambiguous whatever characters the key holds, readable in a
 * topic browser, and JSON.stringify is deterministic for these shapes, so log
 * compaction sees one key per (key, window).
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { StoreKindName } from './types.js';

export interface DecodedKey {
  key: string;
  /** Window start (window) or session start (session); 0 for key-value. */
  t1: number;
  /** Session end; 0 otherwise. */
  t2: number;
}

export function windowKey(key: string, windowStart: number): string {
  return JSON.stringify([key, windowStart]);
}

export function sessionKey(key: string, start: number, end: number): string {
  return JSON.stringify([key, start, end]);
}

export function encodeKey(kind: StoreKindName, key: string, t1: number, t2: number): string {
  if (kind === 'key_value') return key;
  if (kind === 'window') return windowKey(key, t1);
  return sessionKey(key, t1, t2);
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/** Inverse of encodeKey; throws RESTORE_FAILED on a key that does not fit the store kind. */
export function decodeKey(kind: StoreKindName, encoded: string): DecodedKey {
  if (kind === 'key_value') return { key: encoded, t1: 0, t2: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(encoded);
  } catch (cause) {
    throw new AuraError(ErrorCodes.RESTORE_FAILED, `not a ${kind} store key: ${encoded.slice(0, 80)}`, { cause });
  }
  const arr = parsed as unknown[];
  const arity = kind === 'window' ? 2 : 3;
  if (!Array.isArray(arr) || arr.length !== arity || typeof arr[0] !== 'string' || !isInt(arr[1]) || (arity === 3 && !isInt(arr[2]))) {
    throw new AuraError(ErrorCodes.RESTORE_FAILED, `not a ${kind} store key: ${encoded.slice(0, 80)}`);
  }
  return { key: arr[0], t1: arr[1] as number, t2: arity === 3 ? (arr[2] as number) : 0 };
}

/**
 * Orders strings like SQLite's BINARY collation on UTF-8 text (i.e. by code
 * point), which differs from JS `<` (UTF-16 code units) only when a surrogate
 * pair meets a character in U+E000..U+FFFF. Cache entries are merged into
 * SQLite results with this, so both sides must agree.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) return fixup(ca) - fixup(cb);
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000..U+FFFF so the comparison follows code points. */
function fixup(c: number): number {
  if (c >= 0xe000) return c - 0x800;
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  return c;
}
