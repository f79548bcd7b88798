import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS_DIR } from '../schemas/event-schemas.js';
import { avroFromJsonSchema, avroRecordName, avroType, pruneAbsent } from './avro-schema.js';
import { bundleEventSchema } from './json-schema-bundle.js';

describe('Avro schemas derived from JSON Schemas', () => {
  it('maps types, makes optional properties nullable with default null and free-form values JSON text', () => {
    const schema = avroFromJsonSchema(
      {
        type: 'object',
        required: ['id', 'n', 'tags'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          n: { type: 'integer' },
          score: { type: 'number' },
          ok: { type: ['boolean', 'null'] },
          tags: { type: 'array', items: { type: 'string' } },
          counts: { type: 'object', additionalProperties: { type: 'integer' } },
          data: { type: 'object' },
          inner: { type: 'object', required: ['a'], properties: { a: { enum: ['x.y', 'z'] } } },
        },
      },
      'demo.Thing',
    ) as { namespace: string; name: string; fields: Array<{ name: string; type: unknown; default?: unknown }> };
    expect(schema.namespace).toBe('demo');
    expect(schema.name).toBe('Thing');
    const field = (name: string) => schema.fields.find((f) => f.name === name)!;
    expect(field('id')).toEqual({ name: 'id', type: 'string' });
    expect(field('n').type).toBe('long');
    expect(field('score')).toEqual({ name: 'score', type: ['null', 'double'], default: null });
    expect(field('ok')).toEqual({ name: 'ok', type: ['null', 'boolean'], default: null });
    expect(field('tags').type).toEqual({ type: 'array', items: 'string' });
    expect(field('counts').type).toEqual(['null', { type: 'map', values: 'long' }]);
    expect(field('data')).toEqual({ name: 'data', type: { type: 'string', logicalType: 'json' }, default: 'null' });
    expect(field('inner').type).toEqual(['null', { type: 'record', name: 'Thing_inner', fields: [{ name: 'a', type: 'string' }] }]);
  });

  it('round-trips every shipped event schema example value, absent optional fields staying absent', () => {
    const bundled = bundleEventSchema(EVENT_SCHEMAS_DIR, 'user-event');
    expect(JSON.stringify(bundled)).not.toContain('"$ref"');
    const type = avroType(avroFromJsonSchema(bundled, avroRecordName('aura360.user.events', 'user-event')));
    const values = [
      { id: 'e1', type: 'user.mood.created', user_id: 'u1', time: '2024-05-01T10:00:00Z', data: { mood: 'calm', intensity: 3 } },
      {
        id: 'e2',
        type: 'user.activity.created',
        user_id: 'u2',
        time: '2024-05-01T10:00:00Z',
        idempotency_key: 'k',
        trace: { traceparent: 'tp' },
        data: { kind: 'walk', minutes: [1, 2] },
      },
    ];
    for (const v of values) expect(pruneAbsent(type, type.fromBuffer(type.toBuffer(v)))).toEqual(v);
    expect(type.isValid({ ...values[0], user_id: 7 })).toBe(false);
  });

  it('names records after the topic and the schema', () => {
    expect(avroRecordName('aura360.user.events', 'user-event')).toBe('aura360.user.UserEvent');
    expect(avroRecordName('plain', undefined)).toBe('Plain');
  });
});
