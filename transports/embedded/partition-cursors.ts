/**
 * A consumer's assigned partitions and its position in each, plus the fetch
 * that reads from them: round-robin over the non-paused partitions, starting
 * one further on each poll, so a busy partition cannot starve the others.
 */
import type { LogRecord, TopicPartition } from '../types.js';
import type { LogStore } from './log-store.js';
import { clientKey, topicKey } from './notifier.js';
import { lastStableOffset, type PartitionLog, type TopicCatalog } from './topic-catalog.js';

export interface Cursor {
  readonly tp: TopicPartition;
  /** Offset of the next record to return; undefined until initialised (during onAssigned). */
  position: number | undefined;
  paused: boolean;
}

export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

export class PartitionCursors {
  private readonly cursors = new Map<string, Cursor>();
  private active: Cursor[] | undefined;
  private keys: string[] | undefined;
  private start = 0;

  constructor(
    private readonly clientId: string,
    private readonly readCommitted: boolean,
    private readonly catalog: TopicCatalog,
    private readonly log: LogStore,
  ) {}

  get(tp: TopicPartition): Cursor | undefined {
    return this.cursors.get(tpKey(tp));
  }

  list(): TopicPartition[] {
    return [...this.cursors.values()].map((c) => ({ topic: c.tp.topic, partition: c.tp.partition }));
  }

  get size(): number {
    return this.cursors.size;
  }

  add(tp: TopicPartition, position: number | undefined): Cursor {
    const cursor: Cursor = { tp: { topic: tp.topic, partition: tp.partition }, position, paused: false };
    this.cursors.set(tpKey(tp), cursor);
    this.changed();
    return cursor;
  }

  remove(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.cursors.delete(tpKey(tp));
    this.changed();
  }

  clear(): void {
    this.cursors.clear();
    this.changed();
  }

  setPaused(tps: readonly TopicPartition[], paused: boolean): void {
    for (const tp of tps) {
      const c = this.cursors.get(tpKey(tp));
      if (c) c.paused = paused;
    }
    this.changed();
  }

  /** Where a read may go: the last stable offset (read_committed) or the log end. */
  bound(p: PartitionLog): number {
    return this.readCommitted ? lastStableOffset(p) : p.next;
  }

  /** What a poll waits on: appends to the topics it reads, and signals to this client. */
  waitKeys(): string[] {
    if (!this.keys) this.keys = [clientKey(this.clientId), ...new Set(this.activeCursors().map((c) => topicKey(c.tp.topic)))];
    return this.keys;
  }

  /** Up to `max` records, shared fairly between the partitions that have some. */
  fetch(max: number): LogRecord[] {
    const out: LogRecord[] = [];
    const active = this.activeCursors();
    const n = active.length;
    if (n === 0 || max <= 0) return out;
    const first = this.start++ % n;
    const share = Math.max(1, Math.ceil(max / n));
    let progress = true;
    while (out.length < max && progress) {
      progress = false;
      for (let j = 0; j < n && out.length < max; j++) {
        const c = active[(first + j) % n]!;
        if (c.position === undefined) continue;
        const p = this.catalog.partition(c.tp.topic, c.tp.partition);
        if (!p) continue;
        const bound = this.bound(p);
        if (c.position >= bound) continue;
        const limit = Math.min(share, max - out.length);
        const got = this.log.read(p, c.position, bound, limit, out);
        if (got > 0) {
          c.position = out[out.length - 1]!.offset + 1;
          progress = true;
        }
        // Fewer than asked: nothing else below the bound, the rest is a gap (compaction,
        // retention, an aborted transaction); step over it so position reaches the end.
        if (got < limit) c.position = bound;
      }
    }
    return out;
  }

  private activeCursors(): Cursor[] {
    if (!this.active) this.active = [...this.cursors.values()].filter((c) => !c.paused);
    return this.active;
  }

  private changed(): void {
    this.active = undefined;
    this.keys = undefined;
  }
}
