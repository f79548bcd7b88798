/**
 * Deterministic point ids: a name-based UUID (RFC 4122 version 5, SHA-1) of
 * (user, window start, window end). Replaying the same context window yields
 * the same id, so the vector sink overwrites the point instead of adding a
 * duplicate. Qdrant accepts only unsigned integers or UUIDs as ids, hence the
 * canonical 8-4-4-4-12 hex form.
 */
import { createHash } from 'node:crypto';

/** Namespace of aura-streams context points (a fixed random UUID: never change it). */
const NAMESPACE = Buffer.from('6f1c2a4e9b7d4c3a8e5f0a1b2c3d4e5f', 'hex');

export function uuidV5(name: string, namespace: Buffer = NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50; // version 5
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function pointId(userId: string, windowStart: number, windowEnd: number): string {
  // NUL cannot occur in the numbers and separates user ids that share a prefix.
  return uuidV5(`${userId}\u0000${windowStart}\u0000${windowEnd}`);
}
