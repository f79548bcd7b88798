/**
 * Exactly-once transactions that overlap. One transaction at a time on one
 * producer leaves the broker idle between two of them and, worse, makes each
 * next AddPartitionsToTxn meet the previous transaction's markers still being
 * written: CONCURRENT_TRANSACTIONS, which librdkafka retries after 20 ms — most
 * back-to-back commits paid it (bench/micro/txn-phases.ts, docs/benchmarks.md
 * "Overlapping transactions"). Here the transactions of an instance take
 * turns on a few transactional producers (the engine uses two with
 * AURA_TRANSACTIONS_IN_FLIGHT=2, else one) and, with a
 * depth of 2, transaction N+1 sends its records while N sends its offsets and
 * commits. Taking turns alone (depth 1: one transaction at a
 * time) already avoids the retry, but cost throughput here (commit-supervisor.ts): a producer's next transaction comes a whole
 * transaction after its previous one, whose markers are written by then
 * (debug log: 0–1 of 50 transactions met CONCURRENT_TRANSACTIONS, against
 * 14–19 of 50 on one producer; docs/benchmarks.md "Where a Kafka commit's time goes").
 *
 * What keeps it exactly-once, whatever overlaps:
 *  - N+1's records are produced only once every record of N was acknowledged,
 *    so in every partition (outputs and changelogs alike) N's records come
 *    first, in log order as in commit order;
 *  - N+1's offsets are sent only once N's were: the group coordinator keeps,
 *    of two committed transactional offset commits, the one appended last
 *    (Kafka's OffsetMetadataManager.replayEndTransactionMarker), so that is
 *    the newer one;
 *  - N+1 commits only after N committed; when N failed (or was fenced), N+1
 *    aborts — everything after a failed transaction is redone from the last
 *    committed offsets, as after any failed commit;
 *  - a producer begins its next transaction only after its previous one ended.
 * The state layer keeps the writes of each prepared commit apart until that
 * commit completes (state/task-state-manager.ts), and the committer completes
 * commits in order (commit.ts).
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { OutgoingRecord, Producer, RecordMetadata, TopicPartitionOffset } from '../transports/types.js';
import { isFenced } from './failures.js';

/** Where one transaction's time went (ms), for the commit phase histograms (metrics.ts). */
export interface TransactionTimings {
  /** Waiting for the previous transaction's records to be acknowledged (and the producer to be free). */
  waitPrevious: number;
  /** Producing the records until each was acknowledged (librdkafka adds the partitions to the transaction on the way). */
  send: number;
  /** sendOffsetsToTransaction, after the previous transaction's. */
  offsets: number;
  /** Waiting for the previous transaction to commit. */
  waitCommit: number;
  /** commitTransaction. */
  commit: number;
}

/** A transaction's progress, as the next one waits for it (each settles, failed or not). */
interface Stages {
  sent: Promise<void>;
  offsetsSent: Promise<void>;
  committed: Promise<boolean>;
}

/** Commits under way at once on fewer producers than that: the second one's transaction waits for the first's. */
export const MAX_DEPTH = 2;

/** The code of the failure of a transaction aborted because the one before it failed. */
export const PREVIOUS_FAILED = 'previousTransactionFailed';

export class TransactionPipeline {
  private turn = 0;
  private last: Stages | undefined;
  /** The stages of the last transaction of each producer. */
  private readonly lastOf: Array<Stages | undefined>;

  /**
   * How many commits may be under way at once: one per producer unless fewer are asked for. On
   * one producer a depth of 2 lets the next commit's first half (its lanes draining) run while
   * this transaction is with the broker; the transactions themselves still run one after the
   * other (a producer begins its next transaction only once its previous one ended).
   */
  readonly depth: number;

  constructor(
    private readonly producers: readonly Producer[],
    depth = producers.length,
  ) {
    if (producers.length === 0) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'a transaction pipeline needs a producer');
    const max = Math.max(producers.length, MAX_DEPTH);
    if (!Number.isInteger(depth) || depth < 1 || depth > max)
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `transactions in flight must be between 1 and ${max}, not ${depth}`);
    this.depth = depth;
    this.lastOf = producers.map(() => undefined);
  }

  /**
   * After the recovery from a failed transaction (every transaction under way has ended): the next
   * one no longer follows the failed ones.
   */
  reset(): void {
    this.last = undefined;
    this.lastOf.fill(undefined);
  }

  /**
   * One transaction: `records`, then the offsets `offsetsOf` computes from their metadata, sent to
   * `group`; resolves with the records' metadata once it committed. Throws when it failed or was
   * aborted (the error of an abort forced by the previous transaction carries
   * details[PREVIOUS_FAILED]). Called in commit order; the calls overlap.
   */
  async run(
    records: OutgoingRecord[],
    offsetsOf: (meta: RecordMetadata[]) => TopicPartitionOffset[],
    group: unknown,
    timings: TransactionTimings,
  ): Promise<RecordMetadata[]> {
    const index = this.turn;
    this.turn = (this.turn + 1) % this.producers.length;
    const producer = this.producers[index]!;
    const previous = this.last;
    const own = this.lastOf[index];
    const sent = deferred<void>();
    const offsetsSent = deferred<void>();
    const committed = deferred<boolean>();
    const stages: Stages = { sent: sent.promise, offsetsSent: offsetsSent.promise, committed: committed.promise };
    this.last = stages;
    this.lastOf[index] = stages;
    const settle = () => {
      sent.resolve();
      offsetsSent.resolve();
      committed.resolve(false);
    };
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - t;
      t = now;
      return ms;
    };
    await own?.committed;
    await previous?.sent;
    timings.waitPrevious = lap();
    let began = false;
    try {
      // Nothing to overlap with a transaction that already failed: this one is redone anyway.
      if (previous && (await settledFalse(previous.committed))) throw previousFailed();
      await producer.beginTransaction();
      began = true;
      const meta = records.length > 0 ? await producer.send(records) : [];
      sent.resolve();
      timings.send = lap();
      const offsets = offsetsOf(meta);
      await previous?.offsetsSent;
      if (offsets.length > 0) await producer.sendOffsetsToTransaction(offsets, group);
      offsetsSent.resolve();
      timings.offsets = lap();
      if (previous && !(await previous.committed)) throw previousFailed();
      timings.waitCommit = lap();
      await producer.commitTransaction();
      timings.commit = lap();
      committed.resolve(true);
      return meta;
    } catch (err) {
      settle();
      throw began ? await abortAfter(producer, err) : err;
    }
  }
}

function previousFailed(): AuraError {
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, 'transaction aborted: the transaction before it failed', { details: { [PREVIOUS_FAILED]: true } });
}

/** True when `p` already settled to false (a failed transaction), without waiting for it otherwise. */
async function settledFalse(p: Promise<boolean>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([p, Promise.resolve(pending)])) === false;
}

/**
 * Aborts the failed transaction; returns the error to throw. When the abort fails too (broker
 * unreachable, or a commit that timed out and can be neither retried nor aborted), the
 * producer's transaction state is unknown: the error then asks for a new producer, whose
 * initTransactions completes or aborts whatever the broker holds.
 */
async function abortAfter(producer: Producer, err: unknown): Promise<unknown> {
  try {
    await producer.abortTransaction();
    return err;
  } catch (abortErr) {
    if (isFenced(err)) return err;
    if (isFenced(abortErr)) return abortErr;
    return new AuraError(ErrorCodes.TRANSPORT_FAILED, `${errorMessage(err)}; the abort failed too (${errorMessage(abortErr)})`, {
      cause: err,
      details: { ...(err instanceof AuraError ? err.details : {}), replaceClient: true },
    });
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
