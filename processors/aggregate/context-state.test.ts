/**
 * The context window on a real task state (SQLite, list-rows layout, commits,
 * aborts, restarts, restore) against a reference fold written the plain way
 * (copy, append, stable sort, trim), over random event sequences (fast-check):
 * late, equal-time, duplicate-id, id-less and malformed events, random commit
 * points, aborted commits re-processed as the engine does, restarts that drop
 * every in-memory copy. After each step the store equals the reference, every
 * emitted summary equals the summary of the reference state it stands for
 * (`on_update`: after each record; `on_commit`: the latest per key at the
 * commit), and a database restored from the changelog — alone, or behind
 * records of the old one-blob-per-user layout — equals it too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskStateManager } from '../../state/task-state-manager.js';
import { commit, KV, MemoryLog, openTask, restoreAll, tempStateDir } from '../../testing/support/state.js';
import type { ProcessorContext, StreamRecord } from '../types.js';
import { applyIkigai, type ContextState, summarize, type WindowEvent } from './context-summary.js';
import { contextWindowProcessor, eventTime } from './context-window.js';

const MAX = 6;
const SPAN = 60_000;

/** The fold as the processor's docs define it, with fresh copies at every step. */
function referenceStep(prev: ContextState | undefined, record: StreamRecord): ContextState | undefined {
  const value = (record.value ?? {}) as { id?: unknown; type?: unknown; data?: unknown };
  const state = prev ?? { version: 0, events: [], ikigai: {} };
  if (typeof value.id === 'string' && state.events.some((e) => e.id === value.id)) return prev;
  const time = eventTime(record);
  const data = value.data !== null && typeof value.data === 'object' ? (value.data as Record<string, unknown>) : {};
  const event: WindowEvent = {
    id: typeof value.id === 'string' ? value.id : `${record.timestamp}#${state.version + 1}`,
    type: typeof value.type === 'string' ? value.type : 'unknown',
    time,
    data,
  };
  const all = [...state.events, event].sort((a, b) => a.time - b.time);
  const newest = all[all.length - 1]!.time;
  let start = 0;
  while (start < all.length && (all.length - start > MAX || all[start]!.time < newest - SPAN)) start++;
  return {
    version: state.version + 1,
    events: all.slice(start),
    ikigai: event.type === 'user.ikigai.updated' ? applyIkigai(state.ikigai, data, time) : state.ikigai,
  };
}

const TYPES = ['user.mood.created', 'user.activity.created', 'user.ikigai.updated', 'user.other', 7] as const;

const recordArb = fc.record({
  user: fc.constantFrom('u0', 'u1', 'u2', 'u\u0001x'),
  id: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
  type: fc.constantFrom(...TYPES),
  // Coarse times, so that equal times and events exactly `span` before the newest are common.
  dt: fc.integer({ min: -4, max: 2 }).map((x) => x * 10_000),
  score: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  minutes: fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
  kind: fc.constantFrom('walk', 'yoga', undefined),
  note: fc.constantFrom('slept well', '  ', 'ran', undefined),
  stringTime: fc.boolean(),
  after: fc.constantFrom('none', 'none', 'none', 'commit', 'commit', 'abort', 'restart'),
});
type Step = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

function toRecord(s: Step, i: number, base: number): StreamRecord {
  const ts = base + i * 10_000 + s.dt;
  const data: Record<string, unknown> = {};
  if (s.score !== undefined) data.score = s.score;
  if (s.minutes !== undefined) data.minutes = s.minutes;
  if (s.kind !== undefined) data.kind = s.kind;
  if (s.note !== undefined) data.note = s.note;
  if (s.type === 'user.ikigai.updated') data.dimensions = { love: s.score ?? 1, paid_for: 3 };
  const value = { ...(s.id === undefined ? {} : { id: `e${s.id}` }), type: s.type, time: s.stringTime ? new Date(ts).toISOString() : ts, data };
  return { key: s.user, value, timestamp: base + i * 10_000, headers: {} };
}

/** The processor on a task's state, the way the engine drives it (commit, abort + re-process, restart). */
class Harness {
  m: TaskStateManager;
  handle!: (r: StreamRecord) => void;
  readonly log = new MemoryLog();
  outputs: Array<{ key: string; value: Record<string, unknown> }> = [];
  constructor(
    private readonly dir: string,
    private readonly onCommit: boolean,
  ) {
    this.m = openTask(dir, [KV]);
    this.start();
  }
  start(): void {
    const store = this.m.keyValueStore('ctx');
    const ctx = {
      nodeId: 'agg',
      getKeyValueStore: () => store,
      forward: (r: StreamRecord) => this.outputs.push({ key: r.key!, value: r.value as Record<string, unknown> }),
    } as unknown as ProcessorContext;
    this.handle = contextWindowProcessor(ctx, {
      storeName: 'ctx',
      maxEvents: MAX,
      spanMs: SPAN,
      preset: true,
      aggregations: [],
      keyOf: (r) => r.key,
      cache: this.onCommit ? { maxBytes: undefined } : null,
    });
  }
  commit(): void {
    this.m.flushRecordCaches();
    commit(this.m, this.log);
  }
  restart(): void {
    this.m.close();
    this.m = openTask(this.dir, [KV]);
    this.start();
  }
}

function run(steps: Step[], onCommit: boolean): void {
  const tmp = tempStateDir();
  const h = new Harness(tmp.dir, onCommit);
  try {
    const base = 1_700_000_000_000;
    let committed = new Map<string, ContextState>(); // the reference as of the last commit
    let current = new Map<string, ContextState>();
    let pending: StreamRecord[] = []; // processed since the last commit
    const expectStore = (ref: Map<string, ContextState>): void => {
      const kv = h.m.keyValueStore<ContextState>('ctx');
      expect(Object.fromEntries(kv.all())).toEqual(Object.fromEntries(ref));
    };
    const process = (r: StreamRecord): void => {
      const prev = current.get(r.key!);
      const next = referenceStep(prev, r);
      const skipped = next === prev; // a duplicate id still in the window
      const before = h.outputs.length;
      h.handle(r);
      if (!skipped) current.set(r.key!, next!);
      if (!onCommit) expect(h.outputs.slice(before).map((o) => o.value)).toEqual(skipped ? [] : [summarize(r.key!, next!, MAX, SPAN)]);
      else expect(h.outputs.length).toBe(before);
    };
    steps.forEach((s, i) => {
      const r = toRecord(s, i, base);
      pending.push(r);
      process(r);
      if (s.after === 'commit' || s.after === 'restart') {
        const before = h.outputs.length;
        h.commit();
        if (onCommit) {
          // one summary per key updated since the last commit: of its state now
          const keys = new Set(pending.map((p) => p.key!).filter((k) => current.get(k) !== committed.get(k)));
          const emitted = h.outputs.slice(before);
          expect(emitted.map((o) => o.key).sort()).toEqual([...keys].sort());
          for (const o of emitted) expect(o.value).toEqual(summarize(o.key, current.get(o.key)!, MAX, SPAN));
        }
        committed = new Map(current);
        pending = [];
        expectStore(current);
        if (s.after === 'restart') {
          h.restart();
          expectStore(current);
        }
      } else if (s.after === 'abort') {
        h.m.abortCommit();
        current = new Map(committed);
        expectStore(current);
        const again = pending;
        pending = [];
        for (const p of again) {
          pending.push(p);
          process(p);
        }
      }
    });
    h.commit();
    expectStore(current);
    // restored from the changelog into an empty database
    const fresh = tempStateDir();
    try {
      const m2 = openTask(fresh.dir, [KV]);
      restoreAll(m2, h.log, 5);
      expect(Object.fromEntries(m2.keyValueStore<ContextState>('ctx').all())).toEqual(Object.fromEntries(current));
      m2.close();
    } finally {
      fresh.cleanup();
    }
  } finally {
    h.m.close();
    tmp.cleanup();
  }
}

describe('context window state (list rows) against a reference fold', () => {
  it('emit on_update: store, outputs and restore equal the reference', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 60 }), (steps) => run(steps, false)),
      { numRuns: 60 },
    );
  });

  it('emit on_commit: one summary per updated key per commit, of its latest state', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 60 }), (steps) => run(steps, true)),
      { numRuns: 60 },
    );
  });

  it('continues from states restored from the old layout (one blob per user)', () => {
    fc.assert(
      // Keys holding U+0001 are the one thing the old layout's changelogs do not carry over (list-rows.ts).
      fc.property(
        fc.array(
          recordArb.filter((s) => !s.user.includes('\u0001')),
          { minLength: 2, maxLength: 40 },
        ),
        fc.nat(),
        (steps, cut) => {
          const split = 1 + (cut % (steps.length - 1));
          const base = 1_700_000_000_000;
          const records = steps.map((s, i) => toRecord(s, i, base));
          let ref = new Map<string, ContextState>();
          const fold = (r: StreamRecord): void => {
            const next = referenceStep(ref.get(r.key!), r);
            if (next !== undefined) ref.set(r.key!, next);
          };
          records.slice(0, split).forEach(fold);
          // the old layout's changelog: one record per user, the whole state as JSON
          const old = new MemoryLog();
          old.append([...ref].map(([k, v]) => ({ topic: KV.changelogTopic!, partition: 2, key: k, value: Buffer.from(JSON.stringify(v)), timestamp: base })));
          ref = new Map([...ref].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as ContextState]));
          const tmp = tempStateDir();
          const h = new Harness(tmp.dir, false);
          try {
            restoreAll(h.m, old);
            for (const r of records.slice(split)) {
              fold(r);
              h.handle(r);
            }
            h.commit();
            expect(Object.fromEntries(h.m.keyValueStore<ContextState>('ctx').all())).toEqual(Object.fromEntries(ref));
            // and the old records followed by the new ones restore to the same
            const m2dir = tempStateDir();
            const both = new MemoryLog();
            both.append(
              [...old.read(KV.changelogTopic!, 2), ...h.log.read(KV.changelogTopic!, 2)].map((r) => ({
                topic: KV.changelogTopic!,
                partition: 2,
                key: r.key,
                value: r.value,
                timestamp: r.timestamp ?? 0,
              })),
            );
            const m2 = openTask(m2dir.dir, [KV]);
            restoreAll(m2, both, 4);
            expect(Object.fromEntries(m2.keyValueStore<ContextState>('ctx').all())).toEqual(Object.fromEntries(ref));
            m2.close();
            m2dir.cleanup();
          } finally {
            h.m.close();
            tmp.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
