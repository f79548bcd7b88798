/**
 * The engine's producer and what happens around its commits: one producer per
 * instance (EOS v2), commits reported to the health record, and a failed
 * commit classified — fenced: the instance stops; unusable producer: it is
 * replaced (the new one's initTransactions settles the old transaction on the
 * broker); otherwise backoff, up to task_timeout — before the task manager re-creates
 * its tasks from the last committed offsets (Kafka Streams' "task corrupted").
 */

import type { Logger } from '../processors/types.js';
import type { Consumer, OutgoingRecord, Producer, Transport } from '../transports/types.js';
import { Committer, type PreparedCommit } from './commit.js';
import { fencedError, isFenced } from './failures.js';
import type { HealthTracker } from './health.js';
import type { EngineMetrics } from './metrics.js';
import type { Retrier } from './retry.js';
import type { Task } from './task.js';

export interface CommitSupervisorOptions {
  app: string;
  instanceId: string;
  exactlyOnce: boolean;
  transport: Transport;
  consumer: Consumer;
  metrics: EngineMetrics;
  logger: Logger;
  health: HealthTracker;
  retrier: Retrier;
  /** Runs after the lanes drained, before anything commits (`delivery: immediate` records). */
  beforeCommit: () => Promise<void>;
  /** Physical names of the fused topics (commit.ts moves the group's offsets on them). */
  fusedTopics: ReadonlySet<string>;
  /** The output records of each commit that succeeded (changelogs excluded), right after it (engine.onReadable). */
  committed?: (outputs: OutgoingRecord[]) => void;
}

export class CommitSupervisor {
  private producer!: Producer;
  private committer!: Committer;

  constructor(private readonly o: CommitSupervisorOptions) {}

  /**
   * Connects the producer. Before joining the group under exactly-once: initTransactions fences a
   * zombie with our transactional id and aborts the transaction a killed predecessor left open —
   * else restores would wait for that transaction. Fails fast (a start is not an outage to ride).
   */
  async start(): Promise<void> {
    const { transport, app, instanceId, exactlyOnce } = this.o;
    const producer = transport.producer({ transactionalId: exactlyOnce ? `${app}-${instanceId}` : undefined, clientId: `${app}-${instanceId}` });
    try {
      await producer.connect?.();
    } catch (err) {
      await producer.close().catch(() => undefined);
      throw isFenced(err) ? fencedError(app, instanceId, err) : err;
    }
    this.producer = producer;
    this.committer = new Committer(exactlyOnce, producer, this.o.consumer, this.o.metrics, this.o.beforeCommit, this.o.fusedTopics);
  }

  /** Commits every task; throws when the commit failed (see recover). */
  async commit(tasks: Task[]): Promise<void> {
    const prepared = await this.prepare(tasks);
    if (prepared) await this.complete(prepared);
  }

  /** The first half of a commit (commit.ts), while processing waits. */
  prepare(tasks: Task[]): Promise<PreparedCommit | undefined> {
    return this.committer.prepare(tasks);
  }

  /** The second half, the broker's part; throws when the commit failed (see recover). */
  async complete(prepared: PreparedCommit): Promise<void> {
    await this.o.health.track('commit', () => this.committer.complete(prepared));
    this.o.retrier.succeeded('commit');
    if (this.o.committed && prepared.records.length > prepared.changelogCount) this.o.committed(prepared.records.slice(prepared.changelogCount));
  }

  /** After a failed commit: throws when the instance must stop, else replaces the producer if needed and backs off. */
  async recover(err: unknown): Promise<void> {
    if (isFenced(err)) {
      this.o.health.error(err);
      throw fencedError(this.o.app, this.o.instanceId, err);
    }
    const { kind, waitMs } = this.o.retrier.onFailure('commit', err);
    if (kind === 'replace') {
      this.o.logger.warn('replacing the producer');
      await this.producer.close().catch(() => undefined);
      await this.o.retrier.run('start producer', () => this.start());
    }
    await this.o.retrier.sleep(waitMs);
  }

  /** Abandons uncommitted work (failure path). */
  async abort(tasks: Task[]): Promise<void> {
    await this.committer.abort(tasks);
  }

  async close(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
  }
}
