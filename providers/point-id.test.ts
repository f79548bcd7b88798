import { describe, expect, it } from 'vitest';
import { pointId, uuidV5 } from './point-id.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('pointId', () => {
  it('implements RFC 4122 UUIDv5 (checked against the RFC DNS-namespace example)', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is a deterministic, Qdrant-compatible UUID of (user, window)', () => {
    const id = pointId('u1', 1000, 2000);
    expect(id).toMatch(UUID_V5);
    expect(pointId('u1', 1000, 2000)).toBe(id);
    // Value computed independently with Python's uuid.uuid5 and the same namespace.
    expect(id).toBe('dea80614-7492-5719-97cc-5cdc30ece985');
  });

  it('differs when any part differs, including ambiguous concatenations', () => {
    const ids = new Set([
      pointId('u1', 1000, 2000),
      pointId('u2', 1000, 2000),
      pointId('u1', 1001, 2000),
      pointId('u1', 1000, 2001),
      pointId('u11', 0, 2000),
      pointId('u1', 10, 2000),
    ]);
    expect(ids.size).toBe(6);
  });
});
