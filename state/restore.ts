/**
 * Checkpoint and restore, the part of TaskStateManager that runs at task
 * start: which changelog partitions to read from where (restorePlan), and
 * applying what was read (restoreBatch for changelogs, restoreFromTable for
 * tables materialised from their source topic). Every batch is one SQLite
 * transaction that also advances the checkpoint, so an interrupted restore
 * resumes where it stopped.
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { CheckpointTable, Db } from './sqlite-db.js';
import type { StoreSlot } from './store-slot.js';
import type { RestorePlanEntry, RestoreRecord } from './types.js';

export abstract class RestoreSupport {
  protected readonly slots = new Map<string, StoreSlot>();
  /** Changelog topic → its store. */
  protected readonly byChangelog = new Map<string, StoreSlot>();
  private restored = 0;

  protected constructor(
    protected readonly db: Db,
    protected readonly checkpoints: CheckpointTable,
    readonly partition: number,
  ) {}

  protected abstract assertOpen(): void;
  protected abstract onRestored(count: number): void;
  /** Before restored rows go to SQLite: committed state still in memory goes first (restore runs at open, when there is none). */
  protected abstract beforeRestore(): void;

  /** Records applied by restoreBatch/restoreFromTable since open (for progress logs). */
  get restoredRecords(): number {
    return this.restored;
  }

  /** The stored checkpoint: `"topic:partition"` → next offset to read. */
  checkpoint(): Record<string, number> {
    this.assertOpen();
    return this.checkpoints.all();
  }

  /** One entry per changelogged store and per table store; fromOffset is the checkpoint, or 0. */
  restorePlan(): RestorePlanEntry[] {
    this.assertOpen();
    const plan: RestorePlanEntry[] = [];
    for (const s of this.slots.values()) {
      const table = s.spec.changelogTopic === null;
      const topic = s.spec.changelogTopic ?? tableSource(s);
      if (topic === undefined) continue; // logging off and not a table: nothing to restore from
      plan.push({ storeId: s.spec.id, topic, partition: this.partition, fromOffset: this.checkpoints.get(topic, this.partition) ?? 0, table });
    }
    return plan;
  }

  /** Applies changelog records (tombstones delete) and advances the checkpoint, in one transaction. */
  restoreBatch(topic: string, partition: number, records: RestoreRecord[]): number {
    this.assertOpen();
    const slot = this.byChangelog.get(topic);
    if (slot === undefined) throw new AuraError(ErrorCodes.RESTORE_FAILED, `no store of this task has changelog topic ${topic}`, { details: { topic } });
    return this.apply(slot, topic, partition, records);
  }

  /** Same for a table store, with records of its source topic (keys are the record keys). */
  restoreFromTable(storeId: string, records: RestoreRecord[]): number {
    this.assertOpen();
    const slot = this.slot(storeId);
    const topic = slot.spec.changelogTopic === null ? tableSource(slot) : undefined;
    if (topic === undefined) {
      throw new AuraError(
        ErrorCodes.RESTORE_FAILED,
        `store ${storeId} is not a table materialised from a topic (set sourceTopic or fromTopic, and no changelogTopic)`,
      );
    }
    return this.apply(slot, topic, this.partition, records);
  }

  protected slot(name: string): StoreSlot {
    const s = this.slots.get(name);
    if (s === undefined) {
      throw new AuraError(ErrorCodes.STORE_FAILED, `unknown store ${name}; this task has: ${[...this.slots.keys()].join(', ') || 'none'}`);
    }
    return s;
  }

  private apply(slot: StoreSlot, topic: string, partition: number, records: RestoreRecord[]): number {
    if (records.length === 0) return 0;
    this.beforeRestore();
    try {
      this.db.transaction(() => {
        const max = slot.applyRestore(records);
        // Only move forward: a re-delivered older batch must not rewind the checkpoint.
        const current = this.checkpoints.get(topic, partition) ?? 0;
        if (max + 1 > current) this.checkpoints.set(topic, partition, max + 1);
      })();
    } catch (cause) {
      if (cause instanceof AuraError) throw cause;
      throw new AuraError(ErrorCodes.RESTORE_FAILED, `restore of ${slot.spec.id} from ${topic}:${partition} failed: ${errorMessage(cause)}`, { cause });
    }
    this.restored += records.length;
    this.onRestored(records.length);
    return records.length;
  }
}

function tableSource(s: StoreSlot): string | undefined {
  return s.spec.sourceTopic ?? s.spec.fromTopic;
}
