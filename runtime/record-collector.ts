/**
 * Output records of one task, buffered until the next commit sends them
 * (commit.ts): inside the transaction under exactly-once, acknowledged before
 * the input offsets are committed under at-least-once. Buffering is what lets
 * the producer batch: no record is awaited on its own.
 */
import type { OutgoingRecord } from '../transports/types.js';

export class RecordCollector {
  private buffer: OutgoingRecord[] = [];
  /** Key and value bytes buffered (keys counted by their UTF-16 length: an estimate, for the commit policy's bound). */
  private byteCount = 0;

  add(record: OutgoingRecord): void {
    this.buffer.push(record);
    this.byteCount += (record.value?.length ?? 0) + (record.key?.length ?? 0);
  }

  get size(): number {
    return this.buffer.length;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Hands the buffered records over and starts a new buffer. */
  take(): OutgoingRecord[] {
    const out = this.buffer;
    this.buffer = [];
    this.byteCount = 0;
    return out;
  }

  clear(): void {
    this.buffer = [];
    this.byteCount = 0;
  }
}
