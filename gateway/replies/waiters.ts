/**
 * Requests waiting synchronously for their Guardian answer (`Prefer: wait`).
 * In memory: a waiter lives only as long as its HTTP request; the answer is on
 * the user's stream either way.
 */
import type { GuardianResponse } from '../streams/advice-tracker.js';

export class ReplyWaiters {
  private readonly waiting = new Map<string, Set<(r: GuardianResponse | undefined) => void>>();

  /** The response, or undefined after `ms`. */
  wait(correlationId: string, ms: number): Promise<GuardianResponse | undefined> {
    return new Promise((resolve) => {
      let set = this.waiting.get(correlationId);
      if (!set) this.waiting.set(correlationId, (set = new Set()));
      const done = (r: GuardianResponse | undefined): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(correlationId) === set) this.waiting.delete(correlationId);
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), Math.max(0, ms));
      set.add(done);
    });
  }

  resolve(response: GuardianResponse): void {
    const set = this.waiting.get(response.correlation_id);
    if (set) for (const done of [...set]) done(response);
  }

  /** The request never went out: release its waiters now. */
  cancel(correlationId: string): void {
    const set = this.waiting.get(correlationId);
    if (set) for (const done of [...set]) done(undefined);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Shutdown: every waiter answers now (504 for the client, the answer still lands on its stream). */
  cancelAll(): void {
    for (const set of [...this.waiting.values()]) for (const done of [...set]) done(undefined);
  }
}
