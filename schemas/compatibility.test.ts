/**
 * Every compatibility rule with a change that breaks it (reported, at the
 * value's JSON pointer, in the rule's direction) and a change that does not
 * (no finding of that rule). Then the shipped schemas against themselves and
 * a realistic edit of mood-entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSchemas } from './compatibility.js';
import { type CompatRule, CompatRules } from './compatibility-rules.js';
import { EVENT_SCHEMAS_DIR } from './event-schemas.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

interface Case {
  rule: CompatRule;
  deployed: unknown;
  /** Reported as `rule` at `path`. */
  failing: unknown;
  path: string;
  /** A change that must not be reported as `rule`. */
  passing: unknown;
}

const cases: Case[] = [
  {
    rule: 'TYPE_NARROWED',
    deployed: obj({ a: { type: ['string', 'null'] } }),
    failing: obj({ a: { type: 'string' } }),
    path: '/a',
    passing: obj({ a: { type: ['string', 'null', 'number'] } }),
  },
  {
    rule: 'TYPE_WIDENED',
    deployed: obj({ a: { type: 'integer' } }),
    failing: obj({ a: { type: 'number' } }),
    path: '/a',
    passing: obj({ a: { type: 'integer', description: 'x' } }),
  },
  {
    rule: 'REQUIRED_ADDED',
    deployed: obj({ a: {}, b: {} }, { required: ['a'] }),
    failing: obj({ a: {}, b: {} }, { required: ['a', 'b'] }),
    path: '/b',
    passing: obj({ a: {}, b: {} }, { required: [] }),
  },
  {
    rule: 'REQUIRED_REMOVED',
    deployed: obj({ a: {} }, { required: ['a'] }),
    failing: obj({ a: {} }),
    path: '/a',
    passing: obj({ a: {} }, { required: ['a'] }),
  },
  {
    rule: 'PROPERTY_ADDED',
    deployed: obj({ a: {} }, { additionalProperties: false }),
    failing: obj({ a: {}, b: { type: 'string' } }, { additionalProperties: false }),
    path: '/b',
    passing: obj({ a: { description: 'x' } }, { additionalProperties: false }),
  },
  {
    rule: 'PROPERTY_CONSTRAINED',
    deployed: obj({ a: {} }),
    failing: obj({ a: {}, b: { type: 'string' } }),
    path: '/b',
    passing: obj({ a: {}, b: { description: 'only a note' } }),
  },
  {
    rule: 'PROPERTY_REMOVED',
    deployed: obj({ a: {}, b: {} }, { additionalProperties: false }),
    failing: obj({ a: {} }, { additionalProperties: false }),
    path: '/b',
    passing: obj({ a: {}, b: {}, c: {} }, { additionalProperties: false }),
  },
  {
    rule: 'PROPERTY_UNCONSTRAINED',
    deployed: obj({ a: {}, b: { type: 'string' } }),
    failing: obj({ a: {} }),
    path: '/b',
    passing: obj({ a: {}, b: { type: 'string' } }),
  },
  {
    rule: 'ADDITIONAL_CLOSED',
    deployed: obj({ a: {} }),
    failing: obj({ a: {} }, { additionalProperties: false }),
    path: '/*',
    passing: obj({ a: {} }, { additionalProperties: true }),
  },
  {
    rule: 'ADDITIONAL_OPENED',
    deployed: obj({ a: {} }, { additionalProperties: false }),
    failing: obj({ a: {} }),
    path: '/*',
    passing: obj({ a: {} }, { additionalProperties: false }),
  },
  {
    rule: 'ENUM_SHRUNK',
    deployed: obj({ t: { enum: ['a', 'b', 'c'] } }),
    failing: obj({ t: { enum: ['a', 'b'] } }),
    path: '/t',
    passing: obj({ t: { enum: ['a', 'b', 'c', 'd'] } }),
  },
  {
    rule: 'ENUM_GROWN',
    deployed: obj({ t: { enum: ['a', 'b'] } }),
    failing: obj({ t: { enum: ['a', 'b', 'c'] } }),
    path: '/t',
    passing: obj({ t: { enum: ['b', 'a'] } }),
  },
  {
    rule: 'MIN_RAISED',
    deployed: obj({ s: { type: 'integer', minimum: 1 } }),
    failing: obj({ s: { type: 'integer', minimum: 3 } }),
    path: '/s',
    passing: obj({ s: { type: 'integer', minimum: 0 } }),
  },
  {
    rule: 'MIN_LOWERED',
    deployed: obj({ s: { type: 'string', minLength: 2 } }),
    failing: obj({ s: { type: 'string', minLength: 1 } }),
    path: '/s',
    passing: obj({ s: { type: 'string', minLength: 5 } }),
  },
  {
    rule: 'MAX_LOWERED',
    deployed: obj({ note: { type: 'string', maxLength: 2000 } }),
    failing: obj({ note: { type: 'string', maxLength: 500 } }),
    path: '/note',
    passing: obj({ note: { type: 'string', maxLength: 4000 } }),
  },
  {
    rule: 'MAX_RAISED',
    deployed: obj({ l: { type: 'array', maxItems: 10 } }),
    failing: obj({ l: { type: 'array' } }),
    path: '/l',
    passing: obj({ l: { type: 'array', maxItems: 5 } }),
  },
  {
    rule: 'PATTERN_CHANGED',
    deployed: obj({ id: { type: 'string' } }),
    failing: obj({ id: { type: 'string', pattern: '^[a-z]+$' } }),
    path: '/id',
    passing: obj({ id: { type: 'string', description: 'an id' } }),
  },
  {
    rule: 'PATTERN_REMOVED',
    deployed: obj({ id: { type: 'string', pattern: '^a' } }),
    failing: obj({ id: { type: 'string' } }),
    path: '/id',
    passing: obj({ id: { type: 'string', pattern: '^a' } }),
  },
  {
    rule: 'FORMAT_CHANGED',
    deployed: obj({ t: { type: 'string' } }),
    failing: obj({ t: { type: 'string', format: 'date-time' } }),
    path: '/t',
    passing: obj({ t: { type: 'string' } }),
  },
  {
    rule: 'FORMAT_REMOVED',
    deployed: obj({ t: { type: 'string', format: 'uuid' } }),
    failing: obj({ t: { type: 'string' } }),
    path: '/t',
    passing: obj({ t: { type: 'string', format: 'uuid' } }),
  },
  {
    rule: 'MULTIPLE_OF_CHANGED',
    deployed: obj({ n: { type: 'number' } }),
    failing: obj({ n: { type: 'number', multipleOf: 5 } }),
    path: '/n',
    passing: obj({ n: { type: 'number' } }),
  },
  {
    rule: 'MULTIPLE_OF_REMOVED',
    deployed: obj({ n: { type: 'number', multipleOf: 5 } }),
    failing: obj({ n: { type: 'number' } }),
    path: '/n',
    passing: obj({ n: { type: 'number', multipleOf: 5 } }),
  },
  {
    rule: 'UNIQUE_ITEMS_ADDED',
    deployed: obj({ l: { type: 'array' } }),
    failing: obj({ l: { type: 'array', uniqueItems: true } }),
    path: '/l',
    passing: obj({ l: { type: 'array', uniqueItems: false } }),
  },
  {
    rule: 'UNIQUE_ITEMS_REMOVED',
    deployed: obj({ l: { type: 'array', uniqueItems: true } }),
    failing: obj({ l: { type: 'array' } }),
    path: '/l',
    passing: obj({ l: { type: 'array', uniqueItems: true } }),
  },
  {
    rule: 'UNCHECKED_CHANGE',
    deployed: obj({ d: { $ref: 'mood-entry.schema.json' } }),
    failing: obj({ d: { $ref: 'activity.schema.json' } }),
    path: '/d',
    passing: obj({ d: { $ref: 'mood-entry.schema.json', description: 'ignored beside $ref' } }),
  },
];

describe('event schema compatibility rules', () => {
  it('has a failing and a passing case for every rule that compares two schemas', () => {
    // SCHEMA_ADDED / SCHEMA_REMOVED are about a topic gaining or losing its schema: tested with the plan.
    const covered = new Set(cases.map((c) => c.rule));
    expect(Object.keys(CompatRules).filter((r) => !covered.has(r as CompatRule) && r !== 'SCHEMA_ADDED' && r !== 'SCHEMA_REMOVED')).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.rule} (${CompatRules[c.rule].direction}): reported at ${c.path} for the breaking change, not for the other`, () => {
      const found = compareSchemas(c.deployed, c.failing).filter((f) => f.rule === c.rule);
      expect(found, JSON.stringify(compareSchemas(c.deployed, c.failing))).toHaveLength(1);
      expect(found[0]).toMatchObject({ path: c.path, direction: CompatRules[c.rule].direction });
      expect(found[0].message.length).toBeGreaterThan(8);
      expect(compareSchemas(c.deployed, c.passing).filter((f) => f.rule === c.rule)).toEqual([]);
    });
  }

  it('finds nothing between a schema and itself, keys in another order', () => {
    for (const file of fs.readdirSync(EVENT_SCHEMAS_DIR)) {
      const schema = JSON.parse(fs.readFileSync(path.join(EVENT_SCHEMAS_DIR, file), 'utf8')) as Record<string, unknown>;
      const reordered = Object.fromEntries(Object.entries(schema).reverse());
      expect(compareSchemas(schema, reordered), file).toEqual([]);
    }
  });

  it('names each change of a realistic mood-entry edit at its field', () => {
    const deployed = JSON.parse(fs.readFileSync(path.join(EVENT_SCHEMAS_DIR, 'mood-entry.schema.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const next = structuredClone(deployed);
    next.required = ['score', 'energy'];
    next.properties.note.maxLength = 500;
    next.properties.emotions.items.maxLength = 20;
    next.properties.place = { type: 'string' };
    const found = compareSchemas(deployed, next)
      .map((f) => `${f.direction} ${f.rule} ${f.path}`)
      .sort();
    expect(found).toEqual([
      'looser PROPERTY_ADDED /place',
      'stricter MAX_LOWERED /emotions/*',
      'stricter MAX_LOWERED /note',
      'stricter REQUIRED_ADDED /energy',
    ]);
    // And where each is in the new schema file (the plan turns these into line:col).
    expect(
      compareSchemas(deployed, next)
        .map((f) => f.schemaPath)
        .sort(),
    ).toEqual(['/properties/emotions/items/maxLength', '/properties/note/maxLength', '/properties/place', '/required/1']);
  });

  it('follows #/definitions references and compares allOf branches in order', () => {
    const deployed = { definitions: { s: { type: 'integer', maximum: 10 } }, allOf: [{ properties: { a: { $ref: '#/definitions/s' } } }] };
    const next = { definitions: { s: { type: 'integer', maximum: 5 } }, allOf: [{ properties: { a: { $ref: '#/definitions/s' } } }] };
    expect(compareSchemas(deployed, next).map((f) => `${f.rule} ${f.path}`)).toEqual(['MAX_LOWERED /a']);
    expect(compareSchemas(deployed, { ...next, allOf: [] }).map((f) => f.rule)).toContain('UNCHECKED_CHANGE');
  });

  it('escapes property names in paths (JSON pointer)', () => {
    const found = compareSchemas(obj({ 'a/b': {} }), obj({ 'a/b': { type: 'string' } }));
    expect(found.map((f) => f.path)).toEqual(['/a~1b']);
  });
});
