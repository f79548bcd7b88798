/**
 * Output records of one task, buffered until the next commit sends them
 * (commit.ts): inside the transaction under exactly-once, acknowledged before
 * the input offsets are committed under at-least-once. Buffering is what lets
 * the producer batch: no record is awaited on its own.
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
