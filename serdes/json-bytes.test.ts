import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBytes, readJsonBytes } from './json-bytes.js';

/** JSON.parse's answer for `buf`: its value, or that it throws. */
function reference(buf: Buffer): { value: unknown } | { throws: true } {
  try {
    return { value: JSON.parse(buf.toString('utf8')) };
  } catch {
    return { throws: true };
  }
}

/** Same value, same key order, same prototypes, -0 apart from 0. */
function expectSame(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

const shortText = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_.:0123456789 '.split('')), maxLength: 12 });
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0, 1e21, 2 ** 53 + 1, -(10 ** 15) + 1));
/** Events like the benches' (and many real ones): flat or shallow, short ASCII strings. */
const event = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, shortText, number, fc.boolean(), fc.constant(null), tie('object'), fc.array(tie('value'), { maxLength: 4 })),
  // `__proto__` is left to JSON.parse (see the corners below), so not in what the reader must take itself.
  object: fc.dictionary(
    fc.oneof(shortText, fc.constantFrom('id', 'user_id', 'score', 'ts')).filter((k) => k !== '__proto__'),
    tie('value'),
    { maxKeys: 6, noNullPrototype: true },
  ),
})).object;

describe('readJsonBytes', () => {
  it('reads small ASCII events itself, with exactly the value JSON.parse gives', () => {
    fc.assert(
      fc.property(event, fc.constantFrom(undefined, 1, '\t'), (e, indent) => {
        const buf = Buffer.from(JSON.stringify(e, null, indent));
        const v = readJsonBytes(buf);
        expect(v).not.toBeUndefined(); // the fast path itself, not the fallback
        expectSame(v, JSON.parse(buf.toString()));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns JSON.parse’s value or leaves the input to it, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        const buf = Buffer.from(JSON.stringify(j));
        const v = readJsonBytes(buf);
        if (v !== undefined) expectSame(v, JSON.parse(buf.toString()));
        expectSame(parseJsonBytes(buf), JSON.parse(buf.toString()));
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts what JSON.parse refuses: mutated events and arbitrary bytes', () => {
    const mutated = fc
      .tuple(event, fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '0', '-', '.', 'e', ' ', '\\', '\u0001', 'é', '{', '[', 'x', 'n', 't', 'f'))
      .map(([e, at, ch]) => {
        const text = JSON.stringify(e);
        const i = at % (text.length + 1);
        return Buffer.from(text.slice(0, i) + ch + text.slice(i + (at % 2)));
      });
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        ),
        (buf) => {
          const ref = reference(buf);
          const v = readJsonBytes(buf);
          if ('throws' in ref) {
            expect(v).toBeUndefined();
            expect(() => parseJsonBytes(buf)).toThrow(SyntaxError);
          } else {
            if (v !== undefined) expectSame(v, ref.value);
            expectSame(parseJsonBytes(buf), ref.value);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('agrees with JSON.parse on the grammar’s corners', () => {
    const cases = [
      '{"__proto__":{"x":1}}',
      '{"a":1,"a":2}',
      '-0',
      '[-0,0,-0.0,0e5,-0E-2]',
      '123456789012345',
      '1234567890123456789',
      '9007199254740993',
      '0.1',
      '1e400',
      '-1e-400',
      '1.7976931348623157e308',
      '5e-324',
      ' \t\r\n{ "a" : [ 1 , 2 ] } \n',
      '{}',
      '[]',
      '"abc"',
      'true',
      '{"k":"a-very-long-string-value"}',
      `${'['.repeat(40)}${']'.repeat(40)}`,
    ];
    for (const text of cases) {
      const buf = Buffer.from(text);
      expectSame(parseJsonBytes(buf), JSON.parse(text));
      const v = readJsonBytes(buf);
      if (v !== undefined) expectSame(v, JSON.parse(text));
    }
    expect(Object.getPrototypeOf(parseJsonBytes(Buffer.from('{"__proto__":{"x":1}}')))).toBe(Object.prototype);
    for (const bad of [
      '01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      '1e+',
      '{"a":1,}',
      '[1,]',
      '{"a"}',
      '{,}',
      'tru',
      'nul',
      '"a',
      '{"a":1}x',
      '',
      ' ',
      '\uFEFF{}',
      'NaN',
      'Infinity',
    ]) {
      expect(readJsonBytes(Buffer.from(bad))).toBeUndefined();
      expect(() => parseJsonBytes(Buffer.from(bad))).toThrow(SyntaxError);
    }
  });

  it('after a run of inputs it leaves to JSON.parse, still decodes every one right', () => {
    const long = Buffer.from(JSON.stringify({ type: 'user.mood.created', note: 'calm evening with friends' }));
    const short = Buffer.from(JSON.stringify({ id: 'e1', score: 3 }));
    for (let i = 0; i < 3000; i++) {
      const buf = i % 500 < 400 ? long : short;
      expectSame(parseJsonBytes(buf), JSON.parse(buf.toString()));
    }
  });
});
