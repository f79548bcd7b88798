/**
 * Output records of one task, buffered until the engine sends them: at every
 * commit under exactly-once (they travel in the transaction), after every batch
 * under at-least-once. Buffering is what lets the producer batch: no record is
 * awaited on its own.
 */
import type { OutgoingRecord } from '../transports/types.js';

export class RecordCollector {
  private buffer: OutgoingRecord[] = [];

  add(record: OutgoingRecord): void {
    this.buffer.push(record);
  }

  get size(): number {
    return this.buffer.length;
  }

  /** Hands the buffered records over and starts a new buffer. */
  take(): OutgoingRecord[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  clear(): void {
    this.buffer = [];
  }
}
