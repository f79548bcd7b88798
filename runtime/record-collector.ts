/**
 * Output records of one task, buffered until the next commit sends them
 * (commit.ts): inside the transaction under exactly-once, acknowledged before
 * the input offsets are committed under at-least-once. Buffering is what lets
 * the producer batch: no record is awaited on its own.
 */
import type { OutgoingRecord } from '../transports/types.js';
import type { LaneTracker } from './lane-tracker.js';

export class RecordCollector {
  private buffer: OutgoingRecord[] = [];
  /** Key and value bytes buffered (keys counted by their UTF-16 length: an estimate, for the commit policy's bound). */
  private byteCount = 0;

  /**
   * Set on the tasks of a chain whose commits leave unfinished lane work behind (lane-tracker.ts):
   * an output produced on behalf of a fused record is held with it until all its work is done.
   */
  lanes: LaneTracker | undefined;

  add(record: OutgoingRecord): void {
    const held = this.lanes?.holder();
    if (held !== undefined) {
      held.push(record);
      return;
    }
    this.buffer.push(record);
    this.byteCount += (record.value?.length ?? 0) + (record.key?.length ?? 0);
  }

  /** Outputs of finished lane work, in order (lane-tracker.ts). */
  release(records: OutgoingRecord[]): void {
    for (const r of records) {
      this.buffer.push(r);
      this.byteCount += (r.value?.length ?? 0) + (r.key?.length ?? 0);
    }
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
