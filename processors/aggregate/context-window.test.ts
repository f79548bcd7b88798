/**
 * The context window's hot-path helpers against the straightforward
 * definition they replace (append, stable sort by time, trim by count and
 * span), on random input with out-of-order and equal times; and the summary
 * of a small known window.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../testing/support/events.js';
import { summarize, type WindowEvent } from './context-summary.js';
import { insertAndTrim } from './context-window.js';

function reference(events: readonly WindowEvent[], event: WindowEvent, maxEvents: number, spanMs: number): WindowEvent[] {
  const all = [...events, event].sort((a, b) => a.time - b.time);
  const newest = all[all.length - 1]!.time;
  let start = 0;
  while (start < all.length && (all.length - start > maxEvents || all[start]!.time < newest - spanMs)) start++;
  return all.slice(start);
}

const ev = (i: number, time: number, type = 'user.mood.created', data: Record<string, unknown> = {}): WindowEvent => ({ id: `e${i}`, type, time, data });

/** insertAndTrim on a copy (it changes the window in place). */
function inserted(window: readonly WindowEvent[], event: WindowEvent, maxEvents: number, spanMs: number): WindowEvent[] {
  const copy = [...window];
  insertAndTrim(copy, event, maxEvents, spanMs);
  return copy;
}

describe('insertAndTrim', () => {
  it('matches append + stable sort + trim for in-order, late, equal-time and expired events', () => {
    const rnd = prng(11);
    for (const [maxEvents, spanMs] of [
      [50, 7 * 86_400_000],
      [5, 30_000],
      [1, 1e9],
      [8, 0],
    ] as const) {
      const window: WindowEvent[] = [];
      let clock = 1_700_000_000_000;
      for (let i = 0; i < 3000; i++) {
        const r = rnd();
        clock += Math.floor(rnd() * 5000);
        const time = r < 0.15 ? clock - Math.floor(rnd() * 60_000) : r < 0.25 ? (window[Math.floor(rnd() * window.length)]?.time ?? clock) : clock;
        const event = ev(i, time);
        const expected = reference(window, event, maxEvents, spanMs);
        insertAndTrim(window, event, maxEvents, spanMs);
        expect(window.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      }
    }
  });

  it('puts an event after those of the same time, and drops one older than the span at once', () => {
    const w = [ev(1, 1000), ev(2, 2000), ev(3, 2000)];
    expect(inserted(w, ev(4, 2000), 10, 10_000).map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(inserted(w, ev(5, 1500), 10, 10_000).map((e) => e.id)).toEqual(['e1', 'e5', 'e2', 'e3']);
    expect(inserted(w, ev(6, -20_000), 10, 10_000).map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(inserted(w, ev(7, 3000), 2, 10_000).map((e) => e.id)).toEqual(['e3', 'e7']);
  });
});

describe('summarize', () => {
  it('summarises mood, activity, ikigai and notes of the window', () => {
    const events = [
      ev(1, 1000, 'user.mood.created', { score: 4, note: ' slept badly ' }),
      ev(2, 2000, 'user.activity.created', { kind: 'walk', minutes: 20 }),
      ev(3, 3000, 'user.mood.created', { score: 6 }),
      ev(4, 4000, 'user.activity.created', { kind: 'yoga', minutes: 45 }),
      ev(5, 5000, 'user.activity.created', { kind: 'walk', minutes: 30 }),
      ev(6, 6000, 'user.mood.created', { score: 9, note: 'great run' }),
      ev(7, 7000, 'user.ikigai.updated', { dimensions: { love: 8 } }),
    ];
    const out = summarize('u1', { version: 12, events, ikigai: { love: 8, updated_at: 7000 } }, 50, 86_400_000) as Record<string, any>;
    expect(out.window).toEqual({ start: 1000, end: 7000, events: 7, max_events: 50, span_ms: 86_400_000 });
    expect(out.mood).toEqual({ count: 3, avg: 6.33, latest: 9, trend: 'rising', slope: 2.5 });
    expect(out.activity).toEqual({ count: 3, total_minutes: 95, minutes_by_kind: { walk: 50, yoga: 45 } });
    expect(out.notes).toEqual(['great run', 'slept badly']);
    expect(out.counts).toEqual({ mood: 3, activity: 3, ikigai: 1, total: 7 });
    expect(out.last_event_id).toBe('e7');
    expect(out.summary_text).toBe(
      'Mood averaged 6.33/10 and rising (latest 9). Activity: 50 min walk, 45 min yoga. Ikigai: love 8. Recent notes: great run | slept badly',
    );
  });

  it('says so when the window holds no mood or activity', () => {
    const out = summarize('u2', { version: 1, events: [ev(1, 10, 'user.ikigai.updated', {})], ikigai: {} }, 50, 1000) as Record<string, any>;
    expect(out.summary_text).toBe('No mood entries yet. No activity logged.');
    expect(out.mood).toEqual({ count: 0, avg: null, latest: null, trend: 'unknown', slope: 0 });
  });
});
