/**
 * The commit's byte writer (json-arena.ts): numbers and strings as
 * JSON.stringify writes them, values that outgrow a chunk moved whole, views
 * handed out earlier unchanged by later writes, the keyed fold's state writer
 * (STORE_JSON_BYTES) byte-equal to its string, and bytes stored as TEXT rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accsShape } from '../processors/aggregate/accs-json.js';
import { compileAggregations } from '../processors/aggregate/accumulators.js';
import { JsonArena, utf8Bytes, valueJson } from './json-arena.js';
import { openTaskDb, tableName } from './sqlite-db.js';
import { SqliteTable } from './sqlite-tables.js';

const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.integer({ min: -1e16, max: 1e16 }),
  fc.constantFrom(-0, 0, 9, 10, 1e15 - 1, 1e15, -1e15 + 1, 1e21, 2 ** 53),
);

describe('JsonArena', () => {
  it('writes numbers and strings exactly as JSON.stringify, across chunk boundaries, without changing earlier views', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(number, fc.string({ unit: 'binary' }), number), { minLength: 100, maxLength: 200 }), (rows) => {
        const arena = new JsonArena();
        const views: Array<[Buffer, string]> = [];
        const open = utf8Bytes('[');
        const comma = utf8Bytes(',');
        const close = utf8Bytes(']');
        // Enough values to fill several chunks of 256 KB.
        for (let r = 0; r < 200; r++) {
          for (const [a, s, b] of rows) {
            arena.begin();
            arena.bytes(open);
            arena.number(a);
            arena.bytes(comma);
            arena.string(s);
            arena.bytes(comma);
            arena.number(b);
            arena.bytes(close);
            views.push([arena.end(), JSON.stringify([a, s, b])]);
          }
        }
        for (const [view, expected] of views) expect(view.toString('utf8')).toBe(expected);
      }),
      { numRuns: 4 },
    );
  });

  it('abandons a value written in part: the next value starts where it started', () => {
    const arena = new JsonArena();
    arena.begin();
    arena.text('"kept"');
    const kept = arena.end();
    arena.begin();
    arena.text('"half');
    arena.abandon();
    arena.begin();
    arena.number(42);
    expect(arena.end().toString()).toBe('42');
    expect(kept.toString()).toBe('"kept"');
  });
});

describe('valueJson with the keyed fold state', () => {
  const aggs = compileAggregations({
    n: { op: 'count' },
    total: { op: 'sum', field: 'score' },
    last: { op: 'last', field: 'note' },
    notes: { op: 'collect', field: 'note', limit: 2 },
  } as never);
  const shape = accsShape(aggs);

  it('writes the bytes of exactly JSON.stringify for any accumulator values', () => {
    const arena = new JsonArena();
    const value = fc.oneof(number, fc.constant(null), fc.string({ unit: 'binary' }), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue());
    fc.assert(
      fc.property(fc.array(fc.record({ n: number, v: value }), { minLength: 4, maxLength: 4 }), (accs) => {
        const s = shape.create();
        aggs.forEach((a, i) => {
          s[a.name] = accs[i]!;
        });
        const json = valueJson('store', 'k', s, arena);
        expect(Buffer.isBuffer(json)).toBe(true);
        expect((json as Buffer).equals(Buffer.from(JSON.stringify(s), 'utf8'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to the string for values not of the shape, and names the store and key when JSON cannot hold a value', () => {
    const arena = new JsonArena();
    const partial = shape.create();
    partial.n = { n: 1, v: 1 };
    expect(valueJson('store', 'k', partial, arena)).toBe(JSON.stringify(partial));
    expect(valueJson('store', 'k', { plain: 1 }, arena)).toBe('{"plain":1}');
    const bad = shape.create();
    for (const a of aggs) bad[a.name] = { n: 1, v: 1n };
    expect(() => valueJson('store', 'k9', bad, arena)).toThrow(/store store: value of key k9 is not JSON-serialisable/);
    // Nothing of the failed values is left: the next value is whole.
    const ok = shape.create();
    for (const a of aggs) ok[a.name] = { n: 2, v: 'x' };
    expect((valueJson('store', 'k', ok, arena) as Buffer).toString()).toBe(JSON.stringify(ok));
  });
});

describe('rows written from bytes', () => {
  it('are TEXT in SQLite and read back as the same JSON string', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-arena-'));
    const { db } = openTaskDb(dir);
    try {
      const t = new SqliteTable(db, 'st', 'key_value', { ttlIndex: false });
      const text = '{"a":"é\\u2028ü","b":1}';
      t.upsert('one', 0, 0, Buffer.from(text, 'utf8'), 1);
      for (let i = 0; i < 70; i++) t.upsertMany(`k${i}`, 0, 0, Buffer.from(`{"i":${i}}`, 'utf8'), 2);
      t.flushMany();
      expect(t.insertIfAbsent('two', 0, 0, Buffer.from('[1]', 'utf8'), 3)).toBe(true);
      expect(t.getJson('one', 0, 0)).toBe(text);
      expect(t.getJson('k69', 0, 0)).toBe('{"i":69}');
      expect(t.getJson('two', 0, 0)).toBe('[1]');
      const types = db
        .prepare(`SELECT DISTINCT typeof(v) FROM ${tableName('kv', 'st')}`)
        .pluck()
        .all();
      expect(types).toEqual(['text']);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
