/**
 * Scheduled callbacks of one task, on stream time (advanced by record
 * timestamps) or wall-clock time, as Kafka Streams' punctuators. A schedule
 * fires at most once per call to `fire` even when time jumped several
 * intervals, and keeps its phase: the next firing is the first point of its
 * grid (start + k × interval) after the current time, as in Kafka Streams'
 * PunctuationSchedule#next — so a late round does not shift later ones.
 */
import type { Cancellable, PunctuationType } from '../processors/types.js';

interface Schedule {
  intervalMs: number;
  type: PunctuationType;
  next: number;
  callback: (time: number) => void;
  cancelled: boolean;
}

export class PunctuationQueue {
  private readonly schedules: Schedule[] = [];

  schedule(intervalMs: number, type: PunctuationType, now: number, callback: (time: number) => void): Cancellable {
    if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be > 0, got ${intervalMs}`);
    const s: Schedule = { intervalMs, type, next: Number.isFinite(now) ? now + intervalMs : Number.NaN, callback, cancelled: false };
    this.schedules.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        const i = this.schedules.indexOf(s);
        if (i >= 0) this.schedules.splice(i, 1);
      },
    };
  }

  get isEmpty(): boolean {
    return this.schedules.length === 0;
  }

  /** Runs the due schedules of `type` at time `now`; returns how many fired. */
  fire(type: PunctuationType, now: number): number {
    let fired = 0;
    for (const s of [...this.schedules]) {
      if (s.type !== type || s.cancelled || !Number.isFinite(now)) continue;
      // A stream-time schedule created before the first record starts at the first stream time seen.
      if (Number.isNaN(s.next)) s.next = now + s.intervalMs;
      if (now < s.next) continue;
      s.next += (Math.floor((now - s.next) / s.intervalMs) + 1) * s.intervalMs;
      s.callback(now);
      fired++;
    }
    return fired;
  }
}
