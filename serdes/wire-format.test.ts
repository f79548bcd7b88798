import { describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { decodeWire, encodeWire } from './wire-format.js';

describe('Confluent wire format', () => {
  it('is magic byte 0, the schema id as 4 bytes big-endian, then the payload', () => {
    const out = encodeWire(0x01020304, Buffer.from('{}'));
    expect([...out]).toEqual([0, 1, 2, 3, 4, 0x7b, 0x7d]);
    expect(decodeWire(out)).toEqual({ schemaId: 0x01020304, payload: Buffer.from('{}') });
    expect(decodeWire(Buffer.from([0, 0, 0, 1, 0])).schemaId).toBe(256);
  });

  it('refuses a wrong magic byte and a value too short, as DESERIALIZATION errors that say why', () => {
    const wrong = (() => {
      try {
        decodeWire(Buffer.from('{"a":1}'));
      } catch (err) {
        return err as AuraError;
      }
    })();
    expect(wrong).toBeInstanceOf(AuraError);
    expect(wrong!.code).toBe('DESERIALIZATION');
    expect(wrong!.message).toMatch(/unknown magic byte 123 \(0x7b\).*looks like plain JSON/);
    expect(() => decodeWire(Buffer.from([0, 0, 0]))).toThrow(/3 bytes, too short/);
    expect(() => encodeWire(-1, Buffer.alloc(0))).toThrow(RangeError);
  });
});
