/**
 * Kafka's default partitioner, bit for bit: murmur2 (Kafka's variant, seed
 * 0x9747b28c) over the UTF-8 bytes of the key, made positive with
 * `h & 0x7fffffff` (not Math.abs: abs(MIN_INT) is negative), modulo the
 * partition count. Java ints wrap at 32 bits, so every multiply goes through
 * Math.imul and every unsigned shift is `>>>`; the result is a signed 32-bit
 * int exactly as `Utils.murmur2` returns it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array, length: number = data.length): number {
  let h = SEED ^ length;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const j = i << 2;
    let k = data[j]! | (data[j + 1]! << 8) | (data[j + 2]! << 16) | (data[j + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail: Kafka's switch falls through 3 → 2 → 1.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

// Keys are hashed on the hot path of every produce: encode into a reused
// buffer instead of allocating one per record.
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** murmur2 of the key's UTF-8 bytes (what Kafka's StringSerializer sends). */
export function murmur2String(key: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(key.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(key, scratch);
  return murmur2(scratch, written);
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: string, numPartitions: number): number {
  return toPositive(murmur2String(key)) % numPartitions;
}
