import { describe, expect, it } from 'vitest';
import { avroLong, avroString } from '../testing/support/registry-serdes.js';
import { checkAvroPayload } from './avro-guard.js';
import { avroType } from './avro-schema.js';

const type = avroType({
  type: 'record',
  name: 'R',
  fields: [
    { name: 's', type: 'string' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'counts', type: ['null', { type: 'map', values: 'long' }], default: null },
    {
      name: 'inner',
      type: {
        type: 'record',
        name: 'I',
        fields: [
          { name: 'ok', type: 'boolean' },
          { name: 'x', type: 'double' },
        ],
      },
    },
    { name: 'data', type: { type: 'string', logicalType: 'json' }, default: 'null' },
  ],
});

describe('Avro payload guard', () => {
  it('lets every well-formed value through', () => {
    for (const v of [
      { s: 'a', tags: [], inner: { ok: true, x: 1.5 } },
      { s: 'ü', tags: ['x', 'y'], counts: { a: 1, b: -2 }, inner: { ok: false, x: -0 }, data: { deep: [1, { z: null }] } },
    ]) {
      expect(() => checkAvroPayload(type, type.toBuffer(v))).not.toThrow();
    }
  });

  it('refuses a block count the bytes cannot hold, at once and without allocating', () => {
    // 5 bytes claiming 10^8 array items: avsc alone spends ~30 s and ~1 GB on this.
    const bomb = Buffer.concat([avroString('a'), avroLong(100_000_000)]);
    const t0 = Date.now();
    expect(() => checkAvroPayload(type, bomb)).toThrow(/malformed Avro payload: a block of 100000000 items with 0 bytes left/);
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it('refuses truncated, trailing, and out-of-range bytes', () => {
    const good = type.toBuffer({ s: 'abc', tags: ['t'], inner: { ok: true, x: 2 } });
    expect(() => checkAvroPayload(type, good.subarray(0, good.length - 1))).toThrow(/a string of 4 bytes with 3 left/);
    expect(() => checkAvroPayload(type, Buffer.concat([good, Buffer.from([0])]))).toThrow(/1 bytes left after the value/);
    expect(() => checkAvroPayload(type, Buffer.concat([avroLong(1000), Buffer.from('abc')]))).toThrow(/a string of 1000 bytes with 3 left/);
    const badUnion = Buffer.concat([avroString('a'), avroLong(0), avroLong(5)]);
    expect(() => checkAvroPayload(type, badUnion)).toThrow(/union branch 5 of 2/);
    expect(() => checkAvroPayload(type, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/longer than 10 bytes/);
  });

  it('bounds blocks of zero-byte items by count', () => {
    const nulls = avroType({ type: 'array', items: 'null' });
    expect(() => checkAvroPayload(nulls, Buffer.concat([avroLong(10), avroLong(0)]))).not.toThrow();
    expect(() => checkAvroPayload(nulls, Buffer.concat([avroLong(1_000_000), avroLong(0)]))).toThrow(/a block of 1000000 items/);
  });
});
