/**
 * The config vocabulary: the JSON each builder writes (what ajv, the docs and
 * editors read), which fields end up required, the static type a constructor
 * sees, and parseConfig (defaults, durations in ms).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { validatorFor } from '../topology/ajv.js';
import { type Config, duration, enumOf, fieldPath, integer, mapOf, object, optional, parseConfig, signedDuration, string } from './config-schema.js';
import { durationSchema, fieldPathSchema, signedDurationSchema } from './fragments.js';

const window = object(
  {
    size: signedDuration('Length.'),
    grace: signedDuration('Lateness.', '5m'),
  },
  { description: 'A window.' },
);

const schema = object(
  {
    name: string({ minLength: 1, description: 'Required: no default, not optional.' }),
    note: optional(string({ description: 'May be left out.' })),
    batch_size: integer({ minimum: 1, default: 32, description: 'Has a default.' }),
    timeout: duration('A duration with a default.', '10s'),
    every: optional(duration('An optional duration.')),
    mode: enumOf(['fast', 'safe'], { default: 'safe', description: 'One of two.' }),
    path: fieldPath('Where.', 'summary_text'),
    window: optional(window),
    steps: optional(mapOf(object({ after: duration('Delay.') }), { description: 'Named steps.', minProperties: 1, keyPattern: '^[a-z]+$' })),
  },
  { anyOf: [{ required: ['name'] }] },
);

describe('the JSON Schema the builders write', () => {
  it('requires exactly the fields without a default that are not optional, and nothing else is allowed', () => {
    const json = JSON.parse(JSON.stringify(schema));
    expect(Object.keys(json)).toEqual(['type', 'additionalProperties', 'required', 'anyOf', 'properties']);
    expect(json.required).toEqual(['name']);
    expect(json.additionalProperties).toBe(false);
    expect(JSON.parse(JSON.stringify(window)).required).toEqual(['size']);
    expect('required' in JSON.parse(JSON.stringify(object({ a: optional(string({ description: 'a' })) })))).toBe(false);
  });

  it('writes the shared fragments unchanged, and scalars with their type first', () => {
    const json = JSON.parse(JSON.stringify(schema.properties));
    expect(json.timeout).toEqual(durationSchema('A duration with a default.', '10s'));
    expect(json.path).toEqual(fieldPathSchema('Where.', 'summary_text'));
    expect(JSON.parse(JSON.stringify(window.properties.grace))).toEqual(signedDurationSchema('Lateness.', '5m'));
    expect(JSON.stringify(json.batch_size)).toBe('{"type":"integer","minimum":1,"default":32,"description":"Has a default."}');
    expect(JSON.stringify(json.mode)).toBe('{"enum":["fast","safe"],"default":"safe","description":"One of two."}');
    expect(Object.keys(json.steps)).toEqual(['type', 'description', 'minProperties', 'propertyNames', 'additionalProperties']);
  });

  it('validates with ajv as declared: defaults filled, unknown fields and bad durations rejected', () => {
    const validate = validatorFor(schema);
    const config: Record<string, unknown> = { name: 'x', every: '1m' };
    expect(validate(config)).toBe(true);
    expect(config).toMatchObject({ batch_size: 32, timeout: '10s', mode: 'safe', path: 'summary_text' });
    expect(validate({ name: 'x', nope: 1 })).toBe(false);
    expect(validate({ name: 'x', timeout: 'soon' })).toBe(false);
    expect(validate({ batch_size: 3 })).toBe(false);
  });
});

describe('Config<typeof schema>: the config a constructor receives', () => {
  it('has defaulted fields always present, optional ones possibly undefined, durations as numbers', () => {
    type C = Config<typeof schema>;
    expectTypeOf<C['name']>().toEqualTypeOf<string>();
    expectTypeOf<C['batch_size']>().toEqualTypeOf<number>();
    expectTypeOf<C['timeout']>().toEqualTypeOf<number>();
    expectTypeOf<C['mode']>().toEqualTypeOf<'fast' | 'safe'>();
    expectTypeOf<C['note']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<C['every']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<NonNullable<C['window']>['grace']>().toEqualTypeOf<number>();
    expectTypeOf<NonNullable<C['steps']>>().toEqualTypeOf<Record<string, { after: number }>>();
    // `name` is required: a config without it is not a C.
    expectTypeOf<{ batch_size: number }>().not.toMatchTypeOf<C>();
  });
});

describe('parseConfig', () => {
  it('fills defaults and turns every duration into milliseconds, in nested objects and maps too', () => {
    const raw = { name: 'x', every: '1m', window: { size: '1h' }, steps: { warm: { after: '100ms' }, cool: { after: 2500 } } };
    expect(parseConfig(schema, raw)).toEqual({
      name: 'x',
      every: 60_000,
      batch_size: 32,
      timeout: 10_000,
      mode: 'safe',
      path: 'summary_text',
      window: { size: 3_600_000, grace: 300_000 },
      steps: { warm: { after: 100 }, cool: { after: 2500 } },
    });
  });

  it('leaves the validated config alone (a fresh copy) and gives the same result when run twice', () => {
    const raw = { name: 'x', timeout: '2s', window: { size: '-1m', grace: '0s' } };
    const snapshot = structuredClone(raw);
    const once = parseConfig(schema, raw);
    expect(raw).toEqual(snapshot);
    expect(once.window).toEqual({ size: -60_000, grace: 0 });
    expect(parseConfig(schema, once)).toEqual(once);
  });

  it('throws on a value that is not a duration (configs reach it validated)', () => {
    expect(() => parseConfig(schema, { name: 'x', timeout: 'soon' })).toThrow('not a duration: "soon"');
  });
});
