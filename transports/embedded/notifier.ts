/**
 * Wakes waiting consumers the moment something they care about changes (new
 * records on a topic, a rebalance, a resume), so a poll returns within
 * microseconds of the append instead of on the next tick of a sleep loop.
 * Keys are plain strings: `topicKey(name)` for appends, `clientKey(id)` for
 * one consumer.
 */

type Wake = () => void;

export const topicKey = (topic: string): string => `t:${topic}`;
export const clientKey = (id: string): string => `c:${id}`;

export class Notifier {
  private readonly waiters = new Map<string, Set<Wake>>();

  /** Resolves on the first signal of any key, or after `timeoutMs`. Register before yielding: no signal is missed. */
  wait(keys: readonly string[], timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake: Wake = () => {
        clearTimeout(timer);
        for (const key of keys) {
          const set = this.waiters.get(key);
          if (!set) continue;
          set.delete(wake);
          if (set.size === 0) this.waiters.delete(key);
        }
        resolve();
      };
      for (const key of keys) {
        let set = this.waiters.get(key);
        if (!set) this.waiters.set(key, (set = new Set()));
        set.add(wake);
      }
      timer = setTimeout(wake, timeoutMs);
    });
  }

  signal(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    // wake() mutates the set: iterate over a copy.
    for (const wake of [...set]) wake();
  }

  /** Wakes everybody (transport shutting down). */
  signalAll(): void {
    for (const key of [...this.waiters.keys()]) this.signal(key);
  }
}
