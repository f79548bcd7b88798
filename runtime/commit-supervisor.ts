/**
 * The engine's producers and what happens around its commits: one producer per
 * instance (EOS v2) — two under exactly-once on Kafka with
 * AURA_TRANSACTIONS_IN_FLIGHT=2, which take turns and whose transactions
 * overlap (commit-pipeline.ts) — commits reported to the health record, and a failed
 * commit classified — fenced: the instance stops; unusable producer: it is
 * replaced (the new one's initTransactions settles the old transaction on the
 * broker); otherwise backoff, up to task_timeout — before the task manager re-creates
 * its tasks from the last committed offsets (Kafka Streams' "task corrupted").
 */

import { AuraError, ErrorCodes } from '../common/errors.js';
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
  /**
   * Transactions under way at once under exactly-once on Kafka (commit-pipeline.ts), one
   * transactional producer each. Default: AURA_TRANSACTIONS_IN_FLIGHT, else
   * TRANSACTIONS_IN_FLIGHT. Always 1 on the embedded log (its commits take a few ms and its
   * transactions are not built to interleave) and under at-least-once.
   */
  transactionsInFlight?: number;
  /** Transactional producers under exactly-once on Kafka; default AURA_TRANSACTIONAL_PRODUCERS, else one per transaction in flight. */
  transactionalProducers?: number;
}

/**
 * Transactions under way at once under exactly-once on Kafka, unless AURA_TRANSACTIONS_IN_FLIGHT
 * says otherwise (1 or 2; docs/deployment.md). With 2 the next commit's records are produced
 * while the previous one sends its offsets and commits, on a second transactional producer. One
 * by default: measured per phase (docs/benchmarks.md, "Overlapping transactions"), a commit's
 * time goes to producing to its many partitions and to the first half, not to the round trips
 * that overlap; in the load test 2 made latency worse on the shared 2-core machine. More than 2
 * would only queue behind the ordering rules of commit-pipeline.ts.
 */
export const TRANSACTIONS_IN_FLIGHT = 1;
export const MAX_TRANSACTIONS_IN_FLIGHT = 2;
/**
 * Transactional producers of an instance under exactly-once on Kafka at one transaction in flight.
 * Two taking turns (commit-pipeline.ts) avoid librdkafka's 20 ms CONCURRENT_TRANSACTIONS retry
 * between back-to-back transactions (0–1 of 50 against 14–19 of 50 in bench/micro/txn-phases.ts),
 * but cost 6–18 % of per-user-stats throughput in two A/B runs and did not move the load test's
 * latency on this 2-core machine (docs/benchmarks.md, 2026-12-07 22:2x): one by default.
 */
export const TRANSACTIONAL_PRODUCERS = 1;

/** AURA_TRANSACTIONS_IN_FLIGHT, or undefined when unset; a value other than 1 or 2 is refused. */
export function transactionsInFlightFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return oneOrTwo(env, 'AURA_TRANSACTIONS_IN_FLIGHT');
}

/**
 * AURA_TRANSACTIONAL_PRODUCERS (1 or 2), or undefined when unset (then one per transaction in
 * flight). AURA_TRANSACTIONS_IN_FLIGHT=2 with one producer overlaps the next commit's first half
 * with the transaction under way, the transactions one after the other (commit-pipeline.ts).
 */
export function transactionalProducersFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return oneOrTwo(env, 'AURA_TRANSACTIONAL_PRODUCERS');
}

function oneOrTwo(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TRANSACTIONS_IN_FLIGHT)
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `${name} must be 1 or ${MAX_TRANSACTIONS_IN_FLIGHT}, not ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The transactional id of producer `index` of an instance: the first keeps the id of the single
 * producer of earlier versions, so that a restarted instance still fences its predecessor.
 */
export function transactionalId(app: string, instanceId: string, index: number): string {
  return index === 0 ? `${app}-${instanceId}` : `${app}-${instanceId}-${index}`;
}

export class CommitSupervisor {
  private producers: Producer[] = [];
  private committer!: Committer;
  /** Second halves under way. */
  private inFlight = 0;
  /** Which health-tracking names the commits under way hold (see complete). */
  private readonly busySlots: boolean[] = [];
  /** A transaction's abort failed: its producer's state is unknown, replace the producers at the recovery. */
  private replaceNeeded = false;

  constructor(private readonly o: CommitSupervisorOptions) {}

  /**
   * Connects the producers. Before joining the group under exactly-once: initTransactions fences a
   * zombie with our transactional ids and aborts the transactions a killed predecessor left open —
   * else restores would wait for them. Fails fast (a start is not an outage to ride).
   */
  async start(): Promise<void> {
    const { transport, app, instanceId, exactlyOnce } = this.o;
    const onKafka = exactlyOnce && transport.kind === 'kafka';
    const inFlight = onKafka ? (this.o.transactionsInFlight ?? transactionsInFlightFromEnv() ?? TRANSACTIONS_IN_FLIGHT) : 1;
    // One producer per transaction in flight, at least TRANSACTIONAL_PRODUCERS (they take turns, commit-pipeline.ts),
    // unless AURA_TRANSACTIONAL_PRODUCERS says how many: one with two in flight overlaps first halves only.
    const count = onKafka ? (this.o.transactionalProducers ?? transactionalProducersFromEnv() ?? Math.max(inFlight, TRANSACTIONAL_PRODUCERS)) : 1;
    const producers = Array.from({ length: count }, (_, i) =>
      transport.producer({ transactionalId: exactlyOnce ? transactionalId(app, instanceId, i) : undefined, clientId: `${app}-${instanceId}` }),
    );
    try {
      await Promise.all(producers.map((p) => p.connect?.()));
    } catch (err) {
      await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
      throw isFenced(err) ? fencedError(app, instanceId, err) : err;
    }
    this.producers = producers;
    this.replaceNeeded = false;
    this.committer = new Committer(exactlyOnce, producers, this.o.consumer, this.o.metrics, this.o.beforeCommit, this.o.fusedTopics, inFlight);
  }

  /** Whether another commit may start its second half while one is under way (overlapping transactions). */
  acceptsAnother(): boolean {
    return this.inFlight < this.committer.depth;
  }

  /** Commits every task; throws when the commit failed (see recover). */
  async commit(tasks: Task[]): Promise<void> {
    const prepared = await this.prepare(tasks, true);
    if (prepared) await this.complete(prepared);
  }

  /** The first half of a commit (commit.ts), while processing waits; `full`: every lane drained. */
  prepare(tasks: Task[], full = false): Promise<PreparedCommit | undefined> {
    return this.committer.prepare(tasks, full);
  }

  /** The second half, the broker's part; throws when the commit failed (see recover). */
  async complete(prepared: PreparedCommit): Promise<void> {
    this.inFlight++;
    // Each commit under way is tracked on its own (health.ts reports one stuck for long): the
    // second one as `commit (overlapping)`.
    const slot = this.busySlots.indexOf(false) === -1 ? this.busySlots.length : this.busySlots.indexOf(false);
    this.busySlots[slot] = true;
    try {
      await this.o.health.track(slot === 0 ? 'commit' : 'commit (overlapping)', () =>
        // Handed over inside the committer's ordered section: with overlapping transactions a
        // later commit's outputs must not overtake this one's.
        this.committer.complete(prepared, () => {
          this.o.retrier.succeeded('commit');
          if (this.o.committed && prepared.records.length > prepared.changelogCount) this.o.committed(prepared.records.slice(prepared.changelogCount));
        }),
      );
    } catch (err) {
      if (err instanceof AuraError && err.details?.replaceClient === true) this.replaceNeeded = true;
      throw err;
    } finally {
      this.inFlight--;
      this.busySlots[slot] = false;
    }
  }

  /** After a failed commit: throws when the instance must stop, else replaces the producer if needed and backs off. */
  async recover(err: unknown): Promise<void> {
    if (isFenced(err)) {
      this.o.health.error(err);
      throw fencedError(this.o.app, this.o.instanceId, err);
    }
    // The task manager recovers once every commit under way ended: the next one starts afresh.
    this.committer.reset();
    const { kind, waitMs } = this.o.retrier.onFailure('commit', err);
    if (kind === 'replace' || this.replaceNeeded) {
      this.o.logger.warn({ producers: this.producers.length }, 'replacing the producers');
      await this.closeProducers();
      await this.o.retrier.run('start producer', () => this.start());
    }
    await this.o.retrier.sleep(waitMs);
  }

  /** Abandons uncommitted work (failure path). */
  async abort(tasks: Task[]): Promise<void> {
    await this.committer.abort(tasks);
  }

  async close(): Promise<void> {
    await this.closeProducers();
  }

  private async closeProducers(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.close().catch(() => undefined)));
  }
}
