/**
 * Records of `delivery: immediate` topics (streamed Guardian chunks) leave as
 * soon as they are produced, through a producer outside the exactly-once
 * transaction — a transaction would hold them back until the whole answer is
 * done and committed. That makes them at-least-once: a record re-processed
 * after a failure sends them again, and consumers dedupe (the gateway keys
 * chunks by correlation id and sequence number).
 *
 * Sends are batched per tick and serialised (order is kept). A commit first
 * waits for every immediate record produced so far, so an input offset is
 * never committed before the progress records it caused were acknowledged.
 */
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { OutgoingRecord, Producer, Transport } from '../transports/types.js';
import { classifyFailure } from './failures.js';

export class ImmediateSender {
  private pending: OutgoingRecord[] = [];
  private sending: Promise<void> = Promise.resolve();
  private scheduled = false;
  private producer: Producer | undefined;
  private lastError: unknown;
  /** The last send failed: its records wait at the head of `pending`. */
  private failing = false;

  constructor(
    private readonly transport: Transport,
    private readonly clientId: string,
    private readonly logger: Logger,
    /** Each batch once the log acknowledged it, in order (engine.onReadable). */
    private readonly sent: (batch: OutgoingRecord[]) => void = () => undefined,
  ) {}

  add(record: OutgoingRecord): void {
    this.pending.push(record);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush().catch(() => undefined));
    }
  }

  /**
   * Sends what is pending and waits for it; throws if a send failed (its records are kept for the
   * next try). Records added while the batch was on its way are not a failure: they go with the
   * next batch. (Throwing then — `lastError` undefined — failed the commit with `undefined`, which
   * the task manager took for no failure: its tasks stayed prepared and the next commit stopped
   * the engine with "prepareCommit called twice".)
   */
  async flush(): Promise<void> {
    this.scheduled = false;
    await this.sending;
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.sending = this.send(batch);
      await this.sending;
    }
    if (this.failing) throw this.lastError ?? new Error('immediate records not sent');
  }

  async close(): Promise<void> {
    await this.flush().catch((err) => this.logger.warn({ err: errorMessage(err), unsent: this.pending.length }, 'immediate records not sent at close'));
    await this.producer?.close().catch(() => undefined);
    this.producer = undefined;
  }

  private async send(batch: OutgoingRecord[]): Promise<void> {
    try {
      if (!this.producer) {
        const producer = this.transport.producer({ clientId: this.clientId });
        await producer.connect?.();
        this.producer = producer;
      }
      await this.producer.send(batch);
    } catch (err) {
      this.failing = true;
      this.lastError = err;
      this.pending = [...batch, ...this.pending];
      if (this.producer && classifyFailure(err) === 'replace') {
        // Unusable (librdkafka fatal): the next send starts a new one.
        void this.producer.close().catch(() => undefined);
        this.producer = undefined;
      }
      this.logger.warn({ err: errorMessage(err), records: batch.length }, 'immediate send failed; will retry');
      return;
    }
    this.failing = false;
    this.sent(batch);
  }
}
