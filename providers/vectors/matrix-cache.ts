/**
 * LRU of search matrices (one per user, plus one for all users), bounded by
 * bytes so a store with many users does not grow without limit. A matrix too
 * large for the budget is simply not cached: the search still works, it just
 * reads the BLOBs again next time.
 */
export interface Matrix {
  ids: string[];
  /** Row-major, ids.length × dims unit vectors. */
  matrix: Float32Array;
}

export class MatrixCache {
  private readonly entries = new Map<string, Matrix>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(key: string): Matrix | undefined {
    const m = this.entries.get(key);
    if (m) {
      // Re-insert: Map iteration order is insertion order, so the first key is the LRU.
      this.entries.delete(key);
      this.entries.set(key, m);
    }
    return m;
  }

  set(key: string, m: Matrix): void {
    this.delete(key);
    const size = m.matrix.byteLength + m.ids.length * 64;
    if (size > this.budgetBytes) return;
    while (this.bytes + size > this.budgetBytes && this.entries.size > 0) this.delete(this.entries.keys().next().value!);
    this.entries.set(key, m);
    this.bytes += size;
  }

  delete(key: string): void {
    const m = this.entries.get(key);
    if (!m) return;
    this.entries.delete(key);
    this.bytes -= m.matrix.byteLength + m.ids.length * 64;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
