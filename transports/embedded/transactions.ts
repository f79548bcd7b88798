/**
 * Transactions, the way Kafka's coordinator runs them, in one process.
 *
 * Records of an open transaction are appended to the log as they are sent
 * (so `send` returns real offsets), and each partition remembers the
 * transaction's first offset there: read_committed consumers stop at the
 * smallest such offset (the last stable offset, LSO). Commit writes the group
 * offsets and forgets the transaction in one SQLite transaction, which is the
 * instant both the records and the offsets become visible. Abort deletes the
 * transaction's records (read_committed consumers never saw them; the offsets
 * stay as a gap, as Kafka's aborted batches and markers do). Rows of
 * `txn_partitions` found at startup belong to transactions that were open when
 * the process died: they are aborted before anyone reads.
 *
 * Fencing: each transactional id has an epoch; a new producer with the same id
 * bumps it and aborts whatever the older one had open, and every later call of
 * the older one fails with TRANSPORT_FENCED (Kafka's ProducerFencedException).
 *
 * Transaction ids restart at 1 with each process. That is safe: an abort only
 * deletes records with its id at or after its own first offset in a partition,
 * and any earlier record with a reused id sits below that offset.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { TopicPartitionOffset } from '../types.js';
import type { TxnWrite } from './log-store.js';
import { type Notifier, topicKey } from './notifier.js';
import type { OffsetStore } from './offset-store.js';
import type { Db } from './schema.js';
import type { PartitionLog } from './topic-catalog.js';

export interface OpenTxn extends TxnWrite {
  readonly transactionalId: string;
  readonly epoch: number;
  /** Offsets to commit with the transaction, per group then per `topic:partition`. */
  readonly offsets: Map<string, Map<string, TopicPartitionOffset>>;
}

export class TxnCoordinator {
  private readonly epochs = new Map<string, number>();
  private readonly open = new Map<string, OpenTxn>();
  private nextId = 1;
  private readonly commitTx;
  private readonly abortTx;

  constructor(
    db: Db,
    offsets: OffsetStore,
    private readonly notifier: Notifier,
    /** Told of each partition an abort removed records from (the log's in-memory tail drops them). */
    private readonly onAborted: (p: PartitionLog, first: number, txnId: number) => void = () => undefined,
  ) {
    const deleteParts = db.prepare('DELETE FROM txn_partitions WHERE txn_id = ?');
    // A transaction's records are whole batches (an append writes one transaction's records).
    const deleteRecords = db.prepare('DELETE FROM batches WHERE topic_id = ? AND part = ? AND first_off >= ? AND txn = ?');
    this.commitTx = db.transaction((txn: OpenTxn) => {
      for (const [groupId, byPartition] of txn.offsets) offsets.writeAll(groupId, [...byPartition.values()]);
      deleteParts.run(txn.id);
    });
    this.abortTx = db.transaction((id: number, parts: Array<[topicId: number, part: number, first: number]>) => {
      for (const [topicId, part, first] of parts) deleteRecords.run(topicId, part, first, id);
      deleteParts.run(id);
    });
    this.recover(db);
  }

  /** Kafka's initTransactions: the new producer owns the id; the previous one's open transaction is aborted. */
  register(transactionalId: string): number {
    const epoch = (this.epochs.get(transactionalId) ?? -1) + 1;
    this.epochs.set(transactionalId, epoch);
    const stale = this.open.get(transactionalId);
    if (stale) this.abort(stale);
    return epoch;
  }

  assertCurrent(transactionalId: string, epoch: number): void {
    if (this.epochs.get(transactionalId) !== epoch) {
      throw new AuraError(
        ErrorCodes.TRANSPORT_FENCED,
        `producer ${transactionalId} (epoch ${epoch}) was fenced by a newer producer with the same transactional id`,
        {
          details: { transactionalId, epoch, current: this.epochs.get(transactionalId) },
        },
      );
    }
  }

  begin(transactionalId: string, epoch: number): OpenTxn {
    this.assertCurrent(transactionalId, epoch);
    if (this.open.has(transactionalId)) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `producer ${transactionalId}: a transaction is already open`);
    const txn: OpenTxn = { id: this.nextId++, transactionalId, epoch, partitions: new Map(), offsets: new Map() };
    this.open.set(transactionalId, txn);
    return txn;
  }

  /** The open transaction of a current producer, or an error saying why there is none. */
  current(transactionalId: string, epoch: number, action: string): OpenTxn {
    this.assertCurrent(transactionalId, epoch);
    const txn = this.open.get(transactionalId);
    if (!txn)
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `producer ${transactionalId}: ${action} needs an open transaction (call beginTransaction first)`);
    return txn;
  }

  isOpen(transactionalId: string, epoch: number): boolean {
    return this.epochs.get(transactionalId) === epoch && this.open.has(transactionalId);
  }

  addOffsets(txn: OpenTxn, groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    let byPartition = txn.offsets.get(groupId);
    if (!byPartition) txn.offsets.set(groupId, (byPartition = new Map()));
    for (const o of offsets) byPartition.set(`${o.topic}:${o.partition}`, { topic: o.topic, partition: o.partition, offset: o.offset });
  }

  commit(txn: OpenTxn): void {
    try {
      this.commitTx(txn);
    } catch (err) {
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `commit of transaction ${txn.transactionalId} failed: ${(err as Error).message}`, {
        cause: err,
        retriable: true,
      });
    }
    this.finish(txn);
  }

  abort(txn: OpenTxn): void {
    this.abortTx(
      txn.id,
      [...txn.partitions].map(([p, first]) => [p.topicId, p.partition, first]),
    );
    for (const [p, first] of txn.partitions) this.onAborted(p, first, txn.id);
    this.finish(txn);
  }

  /** Aborts every open transaction (transport closing). */
  abortAll(): void {
    for (const txn of [...this.open.values()]) this.abort(txn);
  }

  private finish(txn: OpenTxn): void {
    if (this.open.get(txn.transactionalId) === txn) this.open.delete(txn.transactionalId);
    const topics = new Set<string>();
    for (const p of txn.partitions.keys()) {
      p.openTxns.delete(txn.id);
      topics.add(p.topic);
    }
    // The last stable offset moved: read_committed consumers may read on.
    for (const t of topics) this.notifier.signal(topicKey(t));
  }

  private recover(db: Db): void {
    const rows = db.prepare('SELECT txn_id, topic_id, part, first_off FROM txn_partitions').raw(true).all() as Array<[number, number, number, number]>;
    const byTxn = new Map<number, Array<[number, number, number]>>();
    for (const [id, topicId, part, first] of rows) {
      let list = byTxn.get(id);
      if (!list) byTxn.set(id, (list = []));
      list.push([topicId, part, first]);
    }
    for (const [id, parts] of byTxn) this.abortTx(id, parts);
  }
}
