/**
 * Delivery reports matched to their records by order instead of by an opaque.
 *
 * Why: the binding keeps a produce() call's opaque as a V8 persistent handle until the delivery
 * report (src/producer.cc, NodeProduce), and those handles cost ~1.2 µs of the JavaScript
 * thread's CPU per record (creation, the garbage collector's root scans, the reset in the
 * report): measured at 3.2–3.6 µs per record for produce + report without an opaque against
 * 4.4–5.3 µs with one (docs/benchmarks.md, "kafkastats").
 *
 * What makes the order trustworthy: librdkafka keeps produce() order per partition (its msgid),
 * and the idempotent producer (always on here) writes and acknowledges a partition's messages
 * in that order, so the n-th successful report of a partition is its n-th pending record. Where
 * that might not hold — a failed delivery (a timed-out message leaves a gap, and its report may
 * pass a later one) — this queue fails every send with a record still pending on that
 * partition, rather than guess which one failed. The producer adapter uses it only for a
 * transactional producer, whose commitTransaction fails anyway when any record of the
 * transaction failed: a misattribution could only ever make a send fail, never a lost record
 * pass as delivered.
 */

import type { RecordMetadata } from '../types.js';

/** One send() call waiting for its records' reports. */
export interface PendingSend {
  results: RecordMetadata[];
  remaining: number;
  error: unknown;
  done: (err: unknown) => void;
}

/** The records of one partition still waiting, oldest first, as parallel arrays (no object per record). */
class PartitionQueue {
  sends: PendingSend[] = [];
  indexes: number[] = [];
  head = 0;

  get length(): number {
    return this.sends.length - this.head;
  }

  push(send: PendingSend, index: number): void {
    this.sends.push(send);
    this.indexes.push(index);
  }

  /** Takes the oldest record; arrays are reset once drained, so they do not grow without end. */
  shift(): { send: PendingSend; index: number } | undefined {
    if (this.head >= this.sends.length) return undefined;
    const send = this.sends[this.head]!;
    const index = this.indexes[this.head]!;
    this.head++;
    if (this.head === this.sends.length) this.clear();
    return { send, index };
  }

  clear(): void {
    this.sends = [];
    this.indexes = [];
    this.head = 0;
  }
}

export class DeliveryQueue {
  private readonly topics = new Map<string, PartitionQueue[]>();

  /** Records a produced (enqueued) record whose report will carry no opaque. Call after produce() succeeded. */
  push(topic: string, partition: number, send: PendingSend, index: number): void {
    let parts = this.topics.get(topic);
    if (!parts) this.topics.set(topic, (parts = []));
    (parts[partition] ??= new PartitionQueue()).push(send, index);
  }

  /** Records still waiting for a report (all partitions). */
  get pending(): number {
    let n = 0;
    for (const parts of this.topics.values()) for (const q of parts) n += q?.length ?? 0;
    return n;
  }

  /**
   * A report without opaque. Success: the partition's oldest pending record gets its offset.
   * Failure: every send with a record pending on the partition fails, and the failing record's
   * slot is used up; the others still count down as their own reports come.
   */
  delivered(err: unknown, topic: string, partition: number, offset: number): void {
    const q = this.topics.get(topic)?.[partition];
    const slot = q?.shift();
    if (!q || !slot) return; // not ours (a report with opaque goes elsewhere): nothing to count down
    const { send, index } = slot;
    if (err) {
      send.error ??= err;
      for (let i = q.head; i < q.sends.length; i++) q.sends[i]!.error ??= err;
    } else send.results[index] = { topic, partition, offset };
    if (--send.remaining === 0) send.done(send.error);
  }
}
