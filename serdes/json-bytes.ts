/**
 * A JSON reader straight from a record's bytes, for the common input event:
 * ASCII text whose strings have no escapes. It skips the intermediate string
 * of `JSON.parse(buf.toString())` and reuses key strings, which halves the
 * decode of small events (docs/benchmarks.md, "Kafka consumer path and input
 * decode, 2026-12-07"). Anything else — an escape, a non-ASCII byte, a
 * control character, a `__proto__` key, nesting deeper than MAX_DEPTH,
 * invalid JSON — answers `undefined` and the caller falls back to JSON.parse,
 * so a value returned here is always exactly what JSON.parse returns and
 * every error is JSON.parse's own.
 */

const MAX_DEPTH = 32;
/** V8 makes strings shorter than 13 characters flat copies (longer ones built piecewise are cons strings). */
const MAX_STRING = 12;
const MAX_KEY = 64;
/** Not a JSON value: the input is left to JSON.parse. */
const NO = Symbol('no');

/** Key strings seen before, by a hash of their bytes: one string per key, and the objects share a shape. */
const keyCache = new Map<number, string>();
const KEY_CACHE_MAX = 4096;

/** The reader's input and position (one object: faster than two module bindings in V8). */
const r = { src: new Uint8Array(0) as Uint8Array, pos: 0 };

/** Consecutive inputs the reader left to JSON.parse, and how many more to skip it for. */
let misses = 0;
let skip = 0;

/**
 * JSON.parse of the UTF-8 text in `buf`, through readJsonBytes when it handles it. Inputs it
 * does not handle (long strings, escapes) cost a partial scan: after 16 in a row it is skipped
 * for the next 1,024, then tried again.
 */
export function parseJsonBytes(buf: Buffer): unknown {
  if (skip > 0) skip--;
  else {
    const v = readJsonBytes(buf);
    if (v !== undefined) {
      misses = 0;
      return v;
    }
    if (++misses >= 16) {
      misses = 0;
      skip = 1024;
    }
  }
  // toString() without arguments is Node's UTF-8 fast path (no encoding lookup): same string.
  return JSON.parse(buf.toString());
}

/** The value of the JSON text in `buf` when this reader handles it, else undefined (then use JSON.parse). */
export function readJsonBytes(buf: Uint8Array): unknown {
  r.src = buf;
  r.pos = 0;
  skipWs();
  const v = value(0);
  if (v === NO) return undefined;
  skipWs();
  return r.pos === buf.length ? v : undefined;
}

function skipWs(): void {
  for (;;) {
    const c = r.src[r.pos];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) r.pos++;
    else return;
  }
}

function value(depth: number): unknown {
  const c = r.src[r.pos];
  if (c === 0x22 /* " */) return string();
  if (c === 0x7b /* { */) return depth < MAX_DEPTH ? object(depth + 1) : NO;
  if (c === 0x5b /* [ */) return depth < MAX_DEPTH ? array(depth + 1) : NO;
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
  if (c === 0x74 && r.src[r.pos + 1] === 0x72 && r.src[r.pos + 2] === 0x75 && r.src[r.pos + 3] === 0x65) {
    r.pos += 4;
    return true;
  }
  if (c === 0x66 && r.src[r.pos + 1] === 0x61 && r.src[r.pos + 2] === 0x6c && r.src[r.pos + 3] === 0x73 && r.src[r.pos + 4] === 0x65) {
    r.pos += 5;
    return false;
  }
  if (c === 0x6e && r.src[r.pos + 1] === 0x75 && r.src[r.pos + 2] === 0x6c && r.src[r.pos + 3] === 0x6c) {
    r.pos += 4;
    return null;
  }
  return NO;
}

function object(depth: number): unknown {
  r.pos++;
  skipWs();
  const out: Record<string, unknown> = {};
  if (r.src[r.pos] === 0x7d /* } */) {
    r.pos++;
    return out;
  }
  for (;;) {
    if (r.src[r.pos] !== 0x22) return NO;
    const key = keyString();
    if (key === undefined) return NO;
    skipWs();
    if (r.src[r.pos] !== 0x3a /* : */) return NO;
    r.pos++;
    skipWs();
    const v = value(depth);
    if (v === NO) return NO;
    out[key] = v;
    skipWs();
    const sep = r.src[r.pos++];
    if (sep === 0x7d) return out;
    if (sep !== 0x2c /* , */) return NO;
    skipWs();
  }
}

function array(depth: number): unknown {
  r.pos++;
  skipWs();
  const out: unknown[] = [];
  if (r.src[r.pos] === 0x5d /* ] */) {
    r.pos++;
    return out;
  }
  for (;;) {
    const v = value(depth);
    if (v === NO) return NO;
    out.push(v);
    skipWs();
    const sep = r.src[r.pos++];
    if (sep === 0x5d) return out;
    if (sep !== 0x2c) return NO;
    skipWs();
  }
}

/**
 * End of the string whose opening quote is at `r.pos` (index of the closing quote), or -1 when it
 * needs JSON.parse: escapes, controls, non-ASCII, or longer than `max` (values are built without a
 * call into C++ up to MAX_STRING, where V8 copies; longer ones cost more here than in JSON.parse).
 */
function stringEnd(max: number): number {
  const n = Math.min(r.src.length, r.pos + 2 + max);
  for (let i = r.pos + 1; i < n; i++) {
    const c = r.src[i]!;
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20 || c > 0x7e) return -1; // escapes, controls, non-ASCII
  }
  return -1;
}

function string(): unknown {
  const end = stringEnd(MAX_STRING);
  if (end < 0) return NO;
  const s = ascii(r.pos + 1, end);
  r.pos = end + 1;
  return s;
}

function keyString(): string | undefined {
  // Keys are built once and cached, so a longer one costs nothing after its first time.
  const end = stringEnd(MAX_KEY);
  if (end < 0) return undefined;
  const from = r.pos + 1;
  let h = end - from;
  for (let i = from; i < end; i++) h = (Math.imul(h, 31) + r.src[i]!) | 0;
  r.pos = end + 1;
  const cached = keyCache.get(h);
  if (cached !== undefined && sameAscii(cached, from, end)) return cached;
  const key = ascii(from, end);
  // `out.__proto__ = v` would set the prototype where JSON.parse makes an own property.
  if (key === '__proto__') return undefined;
  if (cached === undefined && keyCache.size < KEY_CACHE_MAX) keyCache.set(h, key);
  return key;
}

function sameAscii(s: string, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let j = 0; j < s.length; j++) if (s.charCodeAt(j) !== r.src[from + j]) return false;
  return true;
}

const fc = String.fromCharCode;

/**
 * A short ASCII string without a call into C++: up to MAX_STRING characters one fromCharCode
 * call with the bytes as arguments, one allocation (4× faster than appending a character at a
 * time, which copies the string at each step: 80 → 21 ns for 11 characters, and most of the
 * decode's garbage); longer ones (keys, built once) a character at a time.
 */
function ascii(from: number, to: number): string {
  const b = r.src;
  const f = from;
  switch (to - from) {
    case 0:
      return '';
    case 1:
      return fc(b[f]!);
    case 2:
      return fc(b[f]!, b[f + 1]!);
    case 3:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!);
    case 4:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!);
    case 5:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!);
    case 6:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!);
    case 7:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!);
    case 8:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!, b[f + 7]!);
    case 9:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!, b[f + 7]!, b[f + 8]!);
    case 10:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!, b[f + 7]!, b[f + 8]!, b[f + 9]!);
    case 11:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!, b[f + 7]!, b[f + 8]!, b[f + 9]!, b[f + 10]!);
    case 12:
      return fc(b[f]!, b[f + 1]!, b[f + 2]!, b[f + 3]!, b[f + 4]!, b[f + 5]!, b[f + 6]!, b[f + 7]!, b[f + 8]!, b[f + 9]!, b[f + 10]!, b[f + 11]!);
  }
  let s = '';
  for (let j = from; j < to; j++) s += fc(b[j]!);
  return s;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** A number in RFC 8259's grammar (JSON.parse rejects "01", "1.", ".5", "+1", which Number() takes). */
function number(): unknown {
  const from = r.pos;
  let i = r.pos;
  const neg = r.src[i] === 0x2d;
  if (neg) i++;
  const ds = i;
  if (r.src[i] === 0x30) i++;
  else if (isDigit(r.src[i])) while (isDigit(r.src[i])) i++;
  else return NO;
  let integer = true;
  if (r.src[i] === 0x2e) {
    integer = false;
    i++;
    if (!isDigit(r.src[i])) return NO;
    while (isDigit(r.src[i])) i++;
  }
  if (r.src[i] === 0x65 || r.src[i] === 0x45) {
    integer = false;
    i++;
    if (r.src[i] === 0x2b || r.src[i] === 0x2d) i++;
    if (!isDigit(r.src[i])) return NO;
    while (isDigit(r.src[i])) i++;
  }
  r.pos = i;
  // Up to 15 digits an integer is exact in a double however it is summed; -0 stays -0, as in JSON.parse.
  if (integer && i - ds <= 15) {
    let v = 0;
    for (let j = ds; j < i; j++) v = v * 10 + (r.src[j]! - 0x30);
    return neg ? -v : v;
  }
  // Fractions, exponents, long integers: the platform's correctly rounded conversion, as JSON.parse's.
  return Number(ascii(from, i));
}
