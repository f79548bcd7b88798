/**
 * The asynchronous lane of one processor node in one task: records run with up
 * to `concurrency` in flight while records of the same key run one after the
 * other (per-key order, as a partitioned log promises). Built on RxJS
 * `mergeMap(…, concurrency)`: a job waits for its key's predecessor inside its
 * slot, and because mergeMap starts jobs in arrival order the predecessor is
 * always already running, so this cannot deadlock.
 */
import { mergeMap, Subject, Subscription } from 'rxjs';

interface Job {
  key: string;
  run: () => Promise<void>;
}

export class KeyedLane {
  private readonly jobs = new Subject<Job>();
  private readonly tails = new Map<string, Promise<void>>();
  private readonly subscription: Subscription;
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(concurrency: number) {
    this.subscription = this.jobs.pipe(mergeMap((job) => this.execute(job), Math.max(1, concurrency))).subscribe();
  }

  /** Records in the lane (queued or running). */
  get size(): number {
    return this.pending;
  }

  submit(key: string | null, run: () => Promise<void>): void {
    this.pending++;
    this.jobs.next({ key: key ?? '', run });
  }

  /** Resolves when every submitted job has finished. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private async execute(job: Job): Promise<void> {
    const previous = this.tails.get(job.key);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.tails.set(job.key, mine);
    try {
      if (previous) await previous;
      await job.run();
    } finally {
      done();
      if (this.tails.get(job.key) === mine) this.tails.delete(job.key);
      this.pending--;
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
