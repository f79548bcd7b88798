import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { decodeValue, encodeValue } from './serde.js';

describe('JSON serde', () => {
  it('decodes exactly what it encoded, and what Buffer.toString + JSON.parse would read', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const buf = encodeValue(v);
        if (v === null) expect(buf).toBeNull();
        else {
          expect(buf!.toString('utf8')).toBe(JSON.stringify(v));
          expect(decodeValue(buf)).toEqual(JSON.parse(buf!.toString('utf8')));
        }
      }),
    );
    // Any bytes: the same value or the same refusal as the reference decoding.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        const buf = Buffer.from(bytes);
        let expected: unknown;
        try {
          expected = JSON.parse(buf.toString('utf8'));
        } catch {
          expect(() => decodeValue(buf)).toThrow(AuraError);
          return;
        }
        expect(decodeValue(buf)).toEqual(expected);
      }),
    );
  });

  it('refuses a byte-order mark and invalid JSON as DESERIALIZATION errors', () => {
    for (const bad of [Buffer.from('\uFEFF{"a":1}'), Buffer.from('{"a":'), Buffer.from([0xff, 0xfe])]) {
      expect(() => decodeValue(bad)).toThrow(expect.objectContaining({ code: 'DESERIALIZATION' }));
    }
    expect(decodeValue(null)).toBeNull();
    expect(encodeValue(undefined)).toBeNull();
  });
});
