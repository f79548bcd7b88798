/** Wall-clock source; the test driver swaps in a manual one it can advance. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): number {
    this.time += ms;
    return this.time;
  }
  set(time: number): void {
    this.time = time;
  }
}
