/** Partial and exact matching, and how a difference is described. */
import { describe, expect, it } from 'vitest';
import { formatPath, matchExact, matchPartial, preview } from './match.js';

describe('matchPartial', () => {
  const actual = { user: 'u1', mood: { count: 2, avg: 6.5, trend: 'up' }, notes: ['a', 'b'], right: null };

  it('accepts any subset of the fields, at any depth', () => {
    expect(matchPartial({}, actual)).toBeUndefined();
    expect(matchPartial({ mood: { avg: 6.5 } }, actual)).toBeUndefined();
    expect(matchPartial({ user: 'u1', notes: ['a', 'b'], right: null }, actual)).toBeUndefined();
  });

  it('reports the path of the first difference', () => {
    expect(matchPartial({ mood: { count: 2, avg: 7 } }, actual)).toEqual({ path: ['mood', 'avg'], expected: 7, actual: 6.5 });
    expect(matchPartial({ mood: { missing: 1 } }, actual)).toEqual({ path: ['mood', 'missing'], expected: 1, actual: undefined, reason: 'missing field' });
    expect(matchPartial({ right: { name: 'x' } }, actual)?.reason).toBe('expected an object, got null');
    expect(matchPartial({ user: 'u1' }, 'u1')?.reason).toBe('expected an object, got a string');
  });

  it('compares arrays exactly: length, order and whole elements', () => {
    expect(matchPartial({ notes: ['a'] }, actual)).toEqual({ path: ['notes'], expected: ['a'], actual: ['a', 'b'], reason: 'expected 1 elements, got 2' });
    expect(matchPartial({ notes: ['b', 'a'] }, actual)).toEqual({ path: ['notes', 0], expected: 'b', actual: 'a' });
    expect(matchPartial({ list: [{ a: 1 }] }, { list: [{ a: 1, b: 2 }] })).toEqual({
      path: ['list', 0, 'b'],
      expected: undefined,
      actual: 2,
      reason: 'unexpected field (arrays are compared exactly)',
    });
  });

  it('compares scalars strictly (no type coercion)', () => {
    expect(matchPartial({ n: '1' }, { n: 1 })).toEqual({ path: ['n'], expected: '1', actual: 1 });
    expect(matchPartial({ n: null }, { n: 0 })).toEqual({ path: ['n'], expected: null, actual: 0 });
    expect(matchExact(0, -0)).toBeUndefined();
  });
});

describe('formatting', () => {
  it('writes paths as JavaScript would', () => {
    expect(formatPath(['mood', 'avg'])).toBe('mood.avg');
    expect(formatPath(['notes', 0, 'text'])).toBe('notes[0].text');
    expect(formatPath(['minutes_by_kind', 'deep work'])).toBe('minutes_by_kind["deep work"]');
  });

  it('cuts long previews', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview(undefined)).toBe('(nothing)');
    const long = preview('x'.repeat(500), 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });
});
