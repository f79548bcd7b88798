import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { compareKeys, decodeKey, encodeKey } from './key-codec.js';

const awkward = ['plain', '', 'with"quote', '[1,2]', 'a,b', 'ünïcödé', '😀 emoji', 'tab\tnl\n', '\\back'];

describe('key codec', () => {
  it('round-trips window and session keys whatever the key holds', () => {
    for (const key of awkward) {
      expect(decodeKey('window', encodeKey('window', key, 1_700_000_000_000, 0))).toEqual({ key, t1: 1_700_000_000_000, t2: 0 });
      expect(decodeKey('session', encodeKey('session', key, -5, 42))).toEqual({ key, t1: -5, t2: 42 });
      expect(decodeKey('key_value', encodeKey('key_value', key, 0, 0))).toEqual({ key, t1: 0, t2: 0 });
    }
  });

  it('documents the format: raw key-value keys, JSON arrays otherwise', () => {
    expect(encodeKey('key_value', 'u1', 0, 0)).toBe('u1');
    expect(encodeKey('window', 'u1', 1000, 0)).toBe('["u1",1000]');
    expect(encodeKey('session', 'u1', 1000, 5000)).toBe('["u1",1000,5000]');
  });

  it('distinct (key, time) pairs never collide', () => {
    const a = encodeKey('window', 'a",1', 2, 0);
    const b = encodeKey('window', 'a', 12, 0);
    expect(a).not.toBe(b);
    expect(decodeKey('window', a).key).toBe('a",1');
  });

  it('rejects keys that do not fit the store kind', () => {
    expect(() => decodeKey('window', 'not json')).toThrow(AuraError);
    expect(() => decodeKey('window', '["k",1,2]')).toThrow(/window store key/);
    expect(() => decodeKey('session', '["k",1]')).toThrow(/session store key/);
    expect(() => decodeKey('window', '["k",1.5]')).toThrow(AuraError);
    expect(() => decodeKey('window', '[1,1]')).toThrow(AuraError);
  });

  it('orders strings exactly like SQLite does', () => {
    const keys = ['a', 'b', 'aa', '', 'A', 'é', '\uffff', '\ue000', '😀', '𝄞', '\ud7ff', 'z\u0000', 'user-10', 'user-9'];
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    for (const k of keys) ins.run(k);
    const sqliteOrder = db.prepare('SELECT k FROM t ORDER BY k').pluck().all() as string[];
    db.close();
    expect([...keys].sort(compareKeys)).toEqual(sqliteOrder);
    // JS's default order differs for astral characters vs U+E000..U+FFFF: the reason compareKeys exists.
    expect([...keys].sort()).not.toEqual(sqliteOrder);
  });
});
