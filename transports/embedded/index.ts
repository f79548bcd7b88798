/**
 * The embedded transport: an in-process, SQLite-backed log with Kafka's
 * semantics (murmur2 partitioning, dense offsets, consumer groups,
 * transactions with read_committed, retention and compaction). One process
 * owns the file; it is the "no infrastructure" mode of `npm start` and the
 * engine of the test driver, not a distributed broker.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { partitionForKey } from '../murmur2.js';
import type { Admin, Consumer, ConsumerOptions, Producer, ProducerOptions, Transport } from '../types.js';
import { EmbeddedAdmin } from './admin.js';
import { EmbeddedConsumer } from './consumer.js';
import type { EmbeddedClient, EmbeddedCore } from './core.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LogStore } from './log-store.js';
import { Maintenance, type MaintenanceResult } from './maintenance.js';
import { Notifier } from './notifier.js';
import { OffsetStore } from './offset-store.js';
import { lockLog } from './process-lock.js';
import { EmbeddedProducer } from './producer.js';
import { type Db, openLogDatabase } from './schema.js';
import { TopicCatalog } from './topic-catalog.js';
import { TxnCoordinator } from './transactions.js';

export interface EmbeddedTransportOptions {
  /** SQLite file of the log, e.g. `.aura/log.db`; `:memory:` for a throwaway log. */
  path: string;
  /** How often retention and compaction run; 0 disables the timer (call `maintain()` yourself). Default 60 s. */
  maintenanceIntervalMs?: number;
  /**
   * Bytes of recently appended records kept in memory (all partitions together) so that this
   * process's consumers read them without SQLite; 0 turns the tail off. Default 64 MiB.
   */
  tailBytes?: number;
  /** Where errors of the background maintenance go (default: a process warning). */
  onMaintenanceError?: (err: unknown) => void;
}

export type { GroupMetadata } from './group-coordinator.js';
export type { MaintenanceResult } from './maintenance.js';

export class EmbeddedTransport implements Transport, EmbeddedCore {
  readonly kind = 'embedded' as const;
  readonly db: Db;
  readonly notifier = new Notifier();
  readonly catalog: TopicCatalog;
  readonly log: LogStore;
  readonly offsets: OffsetStore;
  readonly txns: TxnCoordinator;
  readonly groups: GroupCoordinator;
  private readonly maintenance: Maintenance;
  private readonly adminClient: EmbeddedAdmin;
  private readonly clients = new Set<EmbeddedClient>();
  private timer: NodeJS.Timeout | undefined;
  private clientSeq = 0;
  private closed = false;
  private unlock: (() => void) | undefined;

  constructor(private readonly options: EmbeddedTransportOptions) {
    // The lock first: opening may convert an older file (migrate.ts), which must not happen
    // under another process still using it.
    this.unlock = lockLog(options.path);
    try {
      this.db = openLogDatabase(options.path);
    } catch (err) {
      this.unlock();
      throw err;
    }
    try {
      this.catalog = new TopicCatalog(this.db);
      this.offsets = new OffsetStore(this.db);
      const log = new LogStore(this.db, this.catalog, this.notifier, options.tailBytes);
      this.log = log;
      // Recovers (aborts) transactions left open by a crash before anything reads.
      this.txns = new TxnCoordinator(this.db, this.offsets, this.notifier, (p, first, id) => log.aborted(p, first, id));
      this.groups = new GroupCoordinator(this.catalog, this.notifier);
      this.maintenance = new Maintenance(this.db, this.catalog, (p, bound) => log.cleaned(p, bound));
      this.adminClient = new EmbeddedAdmin(this);
    } catch (err) {
      this.unlock?.();
      this.db.close();
      throw err;
    }
    const every = options.maintenanceIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        try {
          this.maintain();
        } catch (err) {
          (options.onMaintenanceError ?? ((e) => process.emitWarning(`embedded log maintenance failed: ${String(e)}`)))(err);
        }
      }, every);
      this.timer.unref();
    }
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  admin(): Admin {
    this.assertOpen();
    return this.adminClient;
  }

  consumer(options: ConsumerOptions): Consumer {
    this.assertOpen();
    return new EmbeddedConsumer(this, options);
  }

  producer(options: ProducerOptions): Producer {
    this.assertOpen();
    return new EmbeddedProducer(this, options);
  }

  partitionFor(key: string, partitions: number): number {
    return partitionForKey(key, partitions);
  }

  /** Applies retention and compaction now (`now` lets tests move time). */
  maintain(now: number = Date.now()): MaintenanceResult {
    this.assertOpen();
    return this.maintenance.run(now);
  }

  /** Open transactions are aborted, consumers leave without callbacks, the file is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    try {
      for (const client of [...this.clients]) client.detach();
      this.txns.abortAll();
    } finally {
      this.clients.clear();
      this.closed = true;
      this.notifier.signalAll();
      if (this.db.open) this.db.close();
      this.unlock?.();
    }
  }

  assertOpen(): void {
    if (this.closed) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `embedded log ${this.options.path} is closed`);
  }

  nextClientId(prefix: string): string {
    return `${prefix}-${++this.clientSeq}`;
  }

  track(client: EmbeddedClient): void {
    this.clients.add(client);
  }

  untrack(client: EmbeddedClient): void {
    this.clients.delete(client);
  }
}

export function createEmbeddedTransport(options: EmbeddedTransportOptions): EmbeddedTransport {
  return new EmbeddedTransport(options);
}
