/**
 * A producer of the embedded log. `send` appends the whole batch in one
 * SQLite transaction and resolves with real offsets. With a transactionalId
 * it is an exactly-once producer: every send must happen inside
 * begin/commit, and a newer producer with the same id fences this one.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { OutgoingRecord, Producer, ProducerOptions, RecordMetadata, TopicPartitionOffset } from '../types.js';
import { closedError, type EmbeddedClient, type EmbeddedCore } from './core.js';

export class EmbeddedProducer implements Producer, EmbeddedClient {
  readonly id: string;
  private readonly transactionalId: string | undefined;
  private readonly epoch: number;
  private closed = false;

  constructor(
    private readonly core: EmbeddedCore,
    options: ProducerOptions,
  ) {
    this.id = core.nextClientId(options.clientId ?? 'producer');
    this.transactionalId = options.transactionalId;
    this.epoch = this.transactionalId === undefined ? -1 : core.txns.register(this.transactionalId);
    core.track(this);
  }

  async send(records: OutgoingRecord[]): Promise<RecordMetadata[]> {
    this.assertUsable();
    if (this.transactionalId === undefined) return this.core.log.append(records, null);
    const txn = this.core.txns.current(this.transactionalId, this.epoch, 'send');
    return this.core.log.append(records, txn);
  }

  async flush(): Promise<void> {
    // Every send is durable in the log when it resolves: nothing is buffered.
  }

  async beginTransaction(): Promise<void> {
    this.assertUsable();
    this.core.txns.begin(this.requireTransactional('beginTransaction'), this.epoch);
  }

  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], groupMetadata: unknown): Promise<void> {
    this.assertUsable();
    const txn = this.core.txns.current(this.requireTransactional('sendOffsetsToTransaction'), this.epoch, 'sendOffsetsToTransaction');
    const groupId = this.core.groups.validate(groupMetadata);
    for (const o of offsets) {
      this.core.catalog.require(o.topic);
      if (!Number.isInteger(o.offset) || o.offset < 0)
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `invalid offset ${o.offset} for ${o.topic}:${o.partition}`);
    }
    this.core.txns.addOffsets(txn, groupId, offsets);
  }

  async commitTransaction(): Promise<void> {
    this.assertUsable();
    const txn = this.core.txns.current(this.requireTransactional('commitTransaction'), this.epoch, 'commitTransaction');
    this.core.txns.commit(txn);
  }

  async abortTransaction(): Promise<void> {
    this.assertUsable();
    const txn = this.core.txns.current(this.requireTransactional('abortTransaction'), this.epoch, 'abortTransaction');
    this.core.txns.abort(txn);
  }

  /** An open transaction is aborted (Kafka's coordinator would time it out). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.detach();
    this.core.untrack(this);
  }

  detach(): void {
    this.closed = true;
    const id = this.transactionalId;
    if (id !== undefined && this.core.txns.isOpen(id, this.epoch)) this.core.txns.abort(this.core.txns.current(id, this.epoch, 'close'));
  }

  private requireTransactional(action: string): string {
    if (this.transactionalId === undefined) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `producer ${this.id}: ${action} needs a transactionalId`);
    return this.transactionalId;
  }

  private assertUsable(): void {
    this.core.assertOpen();
    if (this.closed) throw closedError(`producer ${this.id}`);
  }
}
