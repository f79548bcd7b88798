/**
 * The lane tracker on its own: outputs of a root's downstream are held until all of its jobs (and
 * the jobs they start) are done, released in root order only, and jobs without a root are what a
 * commit still waits for.
 */
import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../transports/types.js';
import { LaneTracker } from './lane-tracker.js';

const rec = (topic: string, key: string): OutgoingRecord => ({ topic, partition: 0, key, value: Buffer.from(key) });

function setup() {
  const collector: OutgoingRecord[] = [];
  const tracker = new LaneTracker((records) => collector.push(...records));
  /** A collector.add as record-collector.ts does it. */
  const add = (r: OutgoingRecord) => {
    const held = tracker.holder();
    if (held) held.push(r);
    else collector.push(r);
  };
  const gates = new Map<string, () => void>();
  /** A sink handing `fused` to a reader that submits one lane job; the job outputs `out` once its gate opens. */
  const handOffWithJob = (fused: OutgoingRecord, out: string, then?: () => Promise<void>) => {
    add(fused);
    let job!: Promise<void>;
    tracker.handOff(fused, () => {
      const root = tracker.enter();
      job = tracker.run(root, async () => {
        await new Promise<void>((resolve) => gates.set(out, resolve));
        add(rec('out', out));
        await then?.();
      });
    });
    return job;
  };
  return { collector, tracker, add, gates, handOffWithJob };
}

const names = (rs: OutgoingRecord[]) => rs.map((r) => `${r.topic}:${r.key}`);
const tick = () => new Promise((r) => setImmediate(r));

describe('LaneTracker', () => {
  it('holds a finished root behind an unfinished one and releases both in order', async () => {
    const { collector, tracker, gates, handOffWithJob } = setup();
    const a = handOffWithJob(rec('fused', 'a'), 'a');
    const b = handOffWithJob(rec('fused', 'b'), 'b');
    await tick();
    expect(tracker.heldCount).toBe(2);
    gates.get('b')!();
    await b;
    // b is done but a is not: nothing of b reaches the collector, only the fused records themselves.
    expect(names(collector)).toEqual(['fused:a', 'fused:b']);
    expect(tracker.heldRoots().map((r) => r.record.key)).toEqual(['a', 'b']);
    gates.get('a')!();
    await a;
    expect(names(collector)).toEqual(['fused:a', 'fused:b', 'out:a', 'out:b']);
    expect(tracker.heldCount).toBe(0);
    expect(tracker.takeReleased().map((r) => r.record.key)).toEqual(['a', 'b']);
    expect(tracker.hasReleased()).toBe(false);
  });

  it('counts the jobs a job starts (a further fused topic) as its root’s, across awaits', async () => {
    const { collector, tracker, add, gates, handOffWithJob } = setup();
    let inner!: Promise<void>;
    const outer = handOffWithJob(rec('fused', 'a'), 'a', async () => {
      // The job writes a second fused record and hands it on: a nested hand-off, no new root.
      const second = rec('fused2', 'a');
      add(second);
      tracker.handOff(second, () => {
        const root = tracker.enter();
        inner = tracker.run(root, async () => {
          await new Promise<void>((resolve) => gates.set('a2', resolve));
          add(rec('out2', 'a'));
        });
      });
    });
    await tick();
    gates.get('a')!();
    await outer;
    expect(tracker.heldCount).toBe(1); // the first job ended, the one it started did not
    expect(names(collector)).toEqual(['fused:a']);
    gates.get('a2')!();
    await inner;
    expect(names(collector)).toEqual(['fused:a', 'out:a', 'fused2:a', 'out2:a']);
    expect(tracker.takeReleased()).toHaveLength(1);
  });

  it('releases at once a hand-off that starts no lane work, when nothing waits before it', () => {
    const { collector, tracker, add } = setup();
    const fused = rec('fused', 'a');
    add(fused);
    tracker.handOff(fused, () => add(rec('out', 'a')));
    expect(names(collector)).toEqual(['fused:a', 'out:a']);
    expect(tracker.heldCount).toBe(0);
    expect(tracker.hasReleased()).toBe(false); // committed with its own record: no position to carry
  });

  it('waits for jobs without a root only, and drops held roots on clear', async () => {
    const { collector, tracker, gates, handOffWithJob } = setup();
    void handOffWithJob(rec('fused', 'a'), 'a');
    let open!: () => void;
    const rootless = tracker.run(tracker.enter(), () => new Promise<void>((resolve) => (open = resolve)));
    let settled = false;
    const waiting = tracker.rootlessDone().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    open();
    await rootless;
    await waiting;
    expect(settled).toBe(true);
    expect(tracker.heldCount).toBe(1); // the rooted job still runs: not waited for
    tracker.clear();
    gates.get('a')!();
    await tick();
    expect(names(collector)).toEqual(['fused:a']); // its outputs went with the rollback
    expect(tracker.hasReleased()).toBe(false);
  });
});
