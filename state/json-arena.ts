/**
 * UTF-8 JSON written straight into shared chunks of bytes, for values with a
 * byte writer of their own shape (STORE_JSON_BYTES, state/types.ts): at each
 * commit every dirty key's value becomes one changelog record and, later, one
 * SQLite row, and building a JSON string per key and then a Buffer of it cost
 * two passes and two allocations per key (docs/benchmarks.md, "embcommit").
 * Here a value is written once, as bytes, and both the changelog record and
 * the row (bound as TEXT, sqlite-tables.ts) take a view of them.
 *
 * A chunk is kept alive by any view into it: the views of a commit live until
 * write-behind writes them to SQLite (state_flush_interval), so a store holds
 * at most the chunks of the commits since its last state flush.
 */

import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { toJson } from './list-rows.js';
import { STORE_JSON_BYTES } from './types.js';

/** Bytes per chunk; a value that does not fit in what is left moves to a new chunk. */
const CHUNK_BYTES = 256 * 1024;

/** Strings up to this length are checked and copied by hand; longer ones go through JSON.stringify. */
const SHORT_STRING = 64;

/** Digits of safe integers are written by hand; other numbers through their string (always ASCII). */
const MAX_INT_BY_HAND = 1e15;

export class JsonArena {
  private chunk: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  /** Where the value being written starts, and the next byte. */
  private start = 0;
  private pos = 0;

  /** Starts a value. */
  begin(): void {
    this.start = this.pos;
  }

  /** Drops what was written since begin() (the value was not of the writer's shape). */
  abandon(): void {
    this.pos = this.start;
  }

  /** The value written since begin(), as a view of the chunk. */
  end(): Buffer {
    return this.chunk.subarray(this.start, this.pos);
  }

  /** Bytes known in advance (field names and punctuation, from utf8Bytes). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const c = this.chunk;
    let p = this.pos;
    for (let i = 0; i < n; i++) c[p++] = b[i]!;
    this.pos = p;
  }

  /** A number as JSON.stringify writes it (non-finite: null). */
  number(v: number): void {
    if (Number.isInteger(v) && v < MAX_INT_BY_HAND && v > -MAX_INT_BY_HAND) this.integer(v);
    else this.ascii(Number.isFinite(v) ? String(v) : 'null');
  }

  /** A string value, quoted and escaped as JSON.stringify does. */
  string(s: string): void {
    const n = s.length;
    if (n > SHORT_STRING) return this.text(JSON.stringify(s));
    // Short printable ASCII without quote or backslash (ids, timestamps): byte for byte, by hand.
    this.room(n + 2);
    const c = this.chunk;
    let p = this.pos;
    c[p++] = 34;
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 32 || ch > 126 || ch === 34 || ch === 92) return this.text(JSON.stringify(s));
      c[p++] = ch;
    }
    c[p++] = 34;
    this.pos = p;
  }

  /** Text already in JSON (any characters: written as UTF-8). */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.chunk.write(s, this.pos, 'utf8');
  }

  private ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const c = this.chunk;
    const p = this.pos;
    for (let i = 0; i < n; i++) c[p + i] = s.charCodeAt(i);
    this.pos = p + n;
  }

  private integer(v: number): void {
    this.room(17);
    const c = this.chunk;
    let p = this.pos;
    if (v < 0) {
      c[p++] = 45; // '-'
      v = -v;
    }
    if (v < 10) {
      c[p] = 48 + v; // also -0, which JSON writes as 0
      this.pos = p + 1;
      return;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = p + digits - 1; i >= p; i--) {
      const q = Math.floor(v / 10);
      c[i] = 48 + (v - q * 10);
      v = q;
    }
    this.pos = p + digits;
  }

  /** Makes room for `n` more bytes of the current value, moving it to a new chunk if need be. */
  private room(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    const partial = this.pos - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, (partial + n) * 2));
    this.chunk.copy(next, 0, this.start, this.pos);
    this.chunk = next;
    this.start = 0;
    this.pos = partial;
  }
}

/** The UTF-8 bytes of fixed JSON text (field names, punctuation), for JsonArena.bytes. */
export function utf8Bytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'utf8'));
}

type ByteWriter = (this: unknown, out: JsonArena) => boolean;

/**
 * A value's JSON at commit: its UTF-8 bytes in `arena` when it has a byte writer of its own shape
 * (STORE_JSON_BYTES), else the string toJson builds. Failures are toJson's (STORE_FAILED naming
 * the store and key).
 */
export function valueJson(store: string, key: string, value: unknown, arena: JsonArena): string | Buffer {
  const own = typeof value === 'object' && value !== null ? (value as { [STORE_JSON_BYTES]?: ByteWriter })[STORE_JSON_BYTES] : undefined;
  if (own !== undefined) {
    arena.begin();
    let written = false;
    try {
      written = own.call(value, arena);
    } catch (cause) {
      arena.abandon();
      throw new AuraError(ErrorCodes.STORE_FAILED, `store ${store}: value of key ${key} is not JSON-serialisable: ${errorMessage(cause)}`, { cause });
    }
    if (written) return arena.end();
    arena.abandon();
  }
  return toJson(store, key, value);
}
