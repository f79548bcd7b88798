/**
 * The list-rows layout (list-rows.ts): a commit writes a small head and one
 * segment with the elements added; reads, ranges, counts, TTL, deletes and restore
 * see whole values; values stored whole (the old layout) restore and read as
 * before and are split at their next write; keys with the reserved characters
 * round-trip in order.
 */

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit, KV, MemoryLog, openTask, restoreAll, tempStateDir } from '../testing/support/state.js';
import { compareKeys } from './key-codec.js';
import { escapeKey, headSlots, segmentsOf, unescapeKey } from './list-rows.js';
import type { TaskStateManager } from './task-state-manager.js';
import type { ChangelogRecord, StoreRegistration } from './types.js';

interface Doc {
  version: number;
  events: Array<{ id: string; n: number }>;
  tag: string;
}

let tmp: ReturnType<typeof tempStateDir>;
let m: TaskStateManager;
let log: MemoryLog;
const STORE: StoreRegistration = { ...KV, ttlMs: 1000 };

beforeEach(() => {
  tmp = tempStateDir();
  m = openTask(tmp.dir, [STORE], { now: () => 1_000_000 });
  log = new MemoryLog();
});
afterEach(() => {
  m.close();
  tmp.cleanup();
});

function reopen(fresh = false): void {
  m.close();
  if (fresh) {
    tmp.cleanup();
    tmp = tempStateDir();
  }
  m = openTask(tmp.dir, [STORE], { now: () => 1_000_000 });
}

function diskRowCount(): number {
  const db = new Database(m.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM "kv_ctx"').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A window of the last `max` events, changed in place as the context window does. */
function push(doc: Doc, id: string, max: number): void {
  doc.events.push({ id, n: doc.version });
  if (doc.events.length > max) doc.events.shift();
  doc.version++;
}

const decoded = (r: ChangelogRecord): unknown => (r.value === null ? null : JSON.parse(r.value.toString('utf8')));

describe('list-rows layout', () => {
  it('writes a head and one segment with the new elements per commit, not the whole value', () => {
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    const doc: Doc = { version: 0, events: [], tag: 't' };
    for (let i = 0; i < 5; i++) push(doc, `e${i}`, 5);
    kv.put('u1', doc);
    expect(commit(m, log).map((r) => r.key)).toEqual(['u1', 'u1\u00010']);
    expect(diskRowCount()).toBe(2);
    // a full window takes two events: the head and a new segment holding both; segment 0 still holds e2..e4
    push(doc, 'e5', 5);
    push(doc, 'e6', 5);
    kv.put('u1', doc);
    let recs = commit(m, log);
    expect(recs.map((r) => r.key)).toEqual(['u1', 'u1\u00011']);
    expect(decoded(recs[0]!)).toEqual({ version: 7, events: { '\u0001rows': [2, 3, 4, 4096, 4097] }, tag: 't' });
    expect(decoded(recs[1]!)).toEqual([
      { id: 'e5', n: 5 },
      { id: 'e6', n: 6 },
    ]);
    expect(kv.get('u1')!.events.map((e) => e.id)).toEqual(['e2', 'e3', 'e4', 'e5', 'e6']);
    expect(kv.approximateCount()).toBe(1);
    // a segment goes (tombstone) when its last element leaves the list
    doc.events.splice(0, 2);
    kv.put('u1', doc);
    expect(commit(m, log).map((r) => [r.key, r.value === null])).toEqual([['u1', false]]);
    doc.events.shift();
    kv.put('u1', doc);
    recs = commit(m, log);
    expect(recs.map((r) => [r.key, r.value === null])).toEqual([
      ['u1', false],
      ['u1\u00010', true],
    ]);
    expect(diskRowCount()).toBe(2);
    reopen();
    expect(
      m
        .keyValueStore<Doc>('ctx')
        .get('u1')!
        .events.map((e) => e.id),
    ).toEqual(['e5', 'e6']);
  });

  it('reads whole values from SQLite, through get, range and all, also without persistListAsRows', () => {
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    const docs: Record<string, Doc> = {};
    for (const u of ['a', 'b', 'c', 'd']) {
      docs[u] = { version: 0, events: [], tag: u };
      for (let i = 0; i < 4; i++) push(docs[u]!, `${u}${i}`, 3);
      kv.put(u, docs[u]!);
    }
    commit(m, log);
    reopen();
    const fresh = m.keyValueStore<Doc>('ctx');
    const plain = (d: Doc): Doc => JSON.parse(JSON.stringify(d)) as Doc;
    expect(fresh.get('c')).toEqual(plain(docs.c!));
    expect(fresh.all()).toEqual(['a', 'b', 'c', 'd'].map((u) => [u, plain(docs[u]!)]));
    expect(fresh.range('b', 'c')).toEqual([
      ['b', plain(docs.b!)],
      ['c', plain(docs.c!)],
    ]); // 'c' is the upper bound: its elements sort after it
    expect(fresh.approximateCount()).toBe(4);
  });

  it('restores the new layout from its changelog, and the old one (values stored whole) as before', () => {
    const kv = m.keyValueStore<Doc>('ctx');
    // the old layout: what a version without list rows wrote for this store
    const old: Doc = {
      version: 2,
      events: [
        { id: 'x0', n: 0 },
        { id: 'x1', n: 1 },
      ],
      tag: 'old',
    };
    const oldLog = new MemoryLog();
    const oldEnds = oldLog.append([{ topic: STORE.changelogTopic!, partition: 2, key: 'u1', value: Buffer.from(JSON.stringify(old)), timestamp: 1 }]);
    expect(oldEnds).toBeDefined();
    restoreAll(m, oldLog);
    expect(kv.get('u1')).toEqual(old);
    // the next write splits it
    kv.persistListAsRows!('events');
    const doc = kv.get('u1')!;
    push(doc, 'x2', 3);
    push(doc, 'x3', 3);
    kv.put('u1', doc);
    const recs = commit(m, log);
    expect(recs.map((r) => r.key)).toEqual(['u1', 'u1\u00010']); // the head and one segment with all 4 events
    const expected = JSON.parse(JSON.stringify(doc)) as Doc;
    // a fresh database restored from old + new records (as the compacted changelog would hold them)
    const both = new MemoryLog();
    both.append([
      ...oldLog.read(STORE.changelogTopic!, 2).map((r) => ({ topic: STORE.changelogTopic!, partition: 2, key: r.key, value: r.value, timestamp: 1 })),
      ...recs,
    ]);
    reopen(true);
    restoreAll(m, both, 2);
    expect(m.keyValueStore<Doc>('ctx').get('u1')).toEqual(expected);
    expect(diskRowCount()).toBe(2);
  });

  it('tombstones the segments of a deleted key, and of one purged by TTL; segments never expire alone', () => {
    let now = 1_000_000;
    m.close();
    m = openTask(tmp.dir, [STORE], { now: () => now });
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    for (const u of ['a', 'b']) {
      const d: Doc = { version: 0, events: [], tag: u };
      for (let i = 0; i < 3; i++) push(d, `${u}${i}`, 5);
      kv.put(u, d);
    }
    commit(m, log);
    now += 900;
    const b = kv.get('b')!; // b is written again later: its head is fresh, its elements are not
    now += 900;
    push(b, 'b3', 5);
    kv.put('b', b);
    commit(m, log);
    expect(m.purgeExpired(now)).toBe(1); // a's head only
    const recs = commit(m, log);
    expect(recs.every((r) => r.value === null)).toBe(true);
    expect(recs.map((r) => r.key).sort()).toEqual(['a', 'a\u00010']);
    expect(kv.get('b')!.events.map((e) => e.id)).toEqual(['b0', 'b1', 'b2', 'b3']);
    kv.delete('b');
    expect(
      commit(m, log)
        .map((r) => r.key)
        .sort(),
    ).toEqual(['b', 'b\u00010', 'b\u00011']);
    expect(diskRowCount()).toBe(0);
  });

  it('writes an element replaced by a new object again, not one kept by reference', () => {
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    const d: Doc = {
      version: 0,
      events: [
        { id: 'a', n: 0 },
        { id: 'b', n: 1 },
      ],
      tag: '',
    };
    kv.put('u', d);
    commit(m, log);
    d.events[1] = { id: 'b', n: 2 };
    kv.put('u', d);
    const recs = commit(m, log);
    expect(recs.map((r) => [r.key, decoded(r)])).toEqual([
      ['u', { version: 0, events: { '\u0001rows': [0, 4096] }, tag: '' }],
      ['u\u00011', [{ id: 'b', n: 2 }]],
    ]);
  });

  it('escapes keys holding U+0001 or U+0002 so that they cannot pass for elements, in order', () => {
    const kv = m.keyValueStore<Doc>('ctx');
    kv.persistListAsRows!('events');
    const keys = ['a', 'a\u0001', 'a\u00010', 'a\u0002', 'a\u0000', 'b'];
    for (const k of keys) kv.put(k, { version: 1, events: [{ id: k, n: 1 }], tag: k });
    commit(m, log);
    reopen();
    const fresh = m.keyValueStore<Doc>('ctx');
    expect(fresh.all().map(([k, v]) => [k, v.events[0]!.id])).toEqual([...keys].sort(compareKeys).map((k) => [k, k]));
    for (const k of keys) expect(fresh.get(k)!.tag).toBe(k);
    reopen(true);
    restoreAll(m, log);
    expect(
      m
        .keyValueStore<Doc>('ctx')
        .all()
        .map(([k]) => k),
    ).toEqual([...keys].sort(compareKeys));
  });

  it('reads back any sequence of list edits, after commits, reopens and a restore (fast-check)', () => {
    type Op = { kind: 'push' | 'insert' | 'remove' | 'replace' | 'reverse' | 'clear' | 'drop' | 'commit' | 'reopen'; at: number; key: number };
    const op = fc.record({
      kind: fc.constantFrom<Op['kind']>('push', 'push', 'push', 'insert', 'remove', 'replace', 'reverse', 'clear', 'drop', 'commit', 'commit', 'reopen'),
      at: fc.nat(),
      key: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        reopen(true);
        log = new MemoryLog();
        const docs = new Map<string, Doc>();
        let kv = m.keyValueStore<Doc>('ctx');
        kv.persistListAsRows!('events');
        let n = 0;
        const plain = () => Object.fromEntries([...docs].map(([k, d]) => [k, JSON.parse(JSON.stringify(d)) as Doc]));
        for (const o of ops) {
          const k = `k${o.key}`;
          if (o.kind === 'commit' || o.kind === 'reopen') {
            commit(m, log);
            if (o.kind === 'reopen') {
              reopen();
              kv = m.keyValueStore<Doc>('ctx');
              kv.persistListAsRows!('events');
              // in-memory documents are gone with the process: continue from what is stored
              for (const [key] of docs) docs.set(key, kv.get(key)!);
            }
            expect(Object.fromEntries(kv.all())).toEqual(plain());
            continue;
          }
          if (o.kind === 'drop') {
            docs.delete(k);
            kv.delete(k);
            continue;
          }
          const d = docs.get(k) ?? { version: 0, events: [], tag: k };
          const ev = d.events;
          const i = ev.length === 0 ? 0 : o.at % ev.length;
          if (o.kind === 'push') ev.push({ id: `e${n++}`, n });
          else if (o.kind === 'insert')
            ev.splice(i, 0, { id: `e${n++}`, n }, ...(o.at % 3 === 0 && ev.length > 0 ? [ev[i]!] : [])); // sometimes the same object twice
          else if (o.kind === 'remove') ev.splice(i, 1);
          else if (o.kind === 'replace' && ev.length > 0) ev[i] = { ...ev[i]!, n: n++ };
          else if (o.kind === 'reverse') ev.reverse();
          else if (o.kind === 'clear') d.events = [];
          d.version++;
          docs.set(k, d);
          kv.put(k, d);
        }
        commit(m, log);
        expect(Object.fromEntries(m.keyValueStore<Doc>('ctx').all())).toEqual(plain());
        const expected = plain();
        reopen(true);
        restoreAll(m, log, 3);
        expect(Object.fromEntries(m.keyValueStore<Doc>('ctx').all())).toEqual(expected);
        expect(m.keyValueStore('ctx').approximateCount()).toBe(Object.keys(expected).length);
        // no segment outlives its last element: rows on disk = heads + the segments they reference
        const db = new Database(m.dbPath, { readonly: true });
        try {
          const heads = db.prepare('SELECT v FROM "kv_ctx" WHERE instr(k, char(1)) = 0').all() as Array<{ v: string }>;
          const segments = heads.reduce((sum, h) => sum + segmentsOf(headSlots(JSON.parse(h.v)) ?? []).size, 0);
          expect(diskRowCount()).toBe(heads.length + segments);
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('escaping is invertible and keeps the order of keys', () => {
    const chars = fc.constantFrom('\u0000', '\u0001', '\u0002', '\u0003', 'a', 'z', '\u00e9', '\uffff');
    const key = fc.array(chars, { maxLength: 6 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(unescapeKey(escapeKey(a))).toBe(a);
        expect(escapeKey(a).includes('\u0001')).toBe(false);
        expect(Math.sign(compareKeys(escapeKey(a), escapeKey(b)))).toBe(Math.sign(compareKeys(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
});
