/**
 * Coalesces concurrent single-item calls into batched calls: the embedder runs
 * a batch of 32 texts far faster than 32 runs of one, and a vector sink
 * upserts a batch in one transaction or request. Calls made in the same tick
 * (up to `maxBatch`) share one batch; nothing waits on a timer when idle.
 */
export class MicroBatcher<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.run(batch.map((b) => b.item)).then(
        (out) => batch.forEach((b, i) => b.resolve(out[i]!)),
        (err) => batch.forEach((b) => b.reject(err)),
      );
    }
  }
}
