/**
 * The commit protocol. Under exactly-once one transaction carries the
 * changelog writes, the output records, the dead letters and the input offsets
 * of every task of this instance (Kafka Streams' EOS v2: one producer per
 * thread); SQLite is written after the transaction committed, so a crash in
 * between leaves local state behind its changelog, never ahead, and restore
 * catches it up. Under at-least-once the same order holds without the
 * transaction: outputs acknowledged, then local state, then offsets.
 *
 * A commit runs in two halves (prepare, complete) so that processing goes on
 * while the second one waits for the broker: what the tasks do meanwhile
 * belongs to the next commit (the state layer keeps those writes apart).
 * Under exactly-once on Kafka the next commit may even start its second half
 * while this one's is under way (commit-pipeline.ts: overlapping
 * transactions); second halves still end in commit order, and a commit whose
 * predecessor failed fails too.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Consumer, OutgoingRecord, Producer, RecordMetadata, TopicPartitionOffset } from '../transports/types.js';
import { PREVIOUS_FAILED, TransactionPipeline, type TransactionTimings } from './commit-pipeline.js';
import { fusedPositions } from './fused-positions.js';
import type { LaneRoot } from './lane-tracker.js';
import type { EngineMetrics } from './metrics.js';
import type { Task } from './task.js';

/** A commit whose first half ran (Committer.prepare): what goes to the log, and from which task. */
export interface PreparedCommit {
  started: number;
  parts: Array<{
    task: Task;
    changelog: number;
    consumed: TopicPartitionOffset[];
    /** Fused records whose lane work this commit leaves behind (lane-tracker.ts): their positions hold. */
    held: LaneRoot[];
    /** Fused records whose lane work finished since the last commit: their positions move on. */
    released: LaneRoot[];
  }>;
  /** Changelog records first, task by task, then the outputs. */
  records: OutgoingRecord[];
  changelogCount: number;
}

export class Committer {
  /** Exactly-once: the transactions, on every producer in turn. */
  private readonly transactions: TransactionPipeline | undefined;
  /** At-least-once: the producer. */
  private readonly producer: Producer;
  /** Settles when the last second half started has ended: true when it committed. */
  private finished: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly exactlyOnce: boolean,
    /** Exactly-once: the transactional producers, which take turns (commit-pipeline.ts); at-least-once uses the first. */
    producers: readonly Producer[],
    private readonly consumer: Consumer,
    private readonly metrics: EngineMetrics,
    /** Runs before anything commits (flushes `delivery: immediate` records). */
    private readonly beforeCommit: () => Promise<void> = async () => undefined,
    /**
     * Physical names of the fused topics (runtime/task-units.ts): their readers processed every
     * record written to them in memory, so the group's offset on them moves past those records
     * with this commit (see fusedPositions).
     */
    private readonly fusedTopics: ReadonlySet<string> = new Set(),
    /** Exactly-once: transactions under way at once (at most one per producer; default: one per producer). */
    transactionsInFlight = producers.length,
  ) {
    this.producer = producers[0]!;
    this.transactions = exactlyOnce ? new TransactionPipeline(producers, transactionsInFlight) : undefined;
  }

  /** After the recovery from a failed commit, once no second half is under way: the next commit starts a new chain. */
  reset(): void {
    this.finished = Promise.resolve(true);
    this.transactions?.reset();
  }

  /** How many second halves may be under way at once (the task manager starts the next commit accordingly). */
  get depth(): number {
    return this.transactions?.depth ?? 1;
  }

  /** Both halves at once, every lane drained (a rebalance, the final commit). */
  async commit(all: Task[]): Promise<void> {
    const prepared = await this.prepare(all, true);
    if (prepared) await this.complete(prepared);
  }

  /**
   * The first half, while processing waits: the asynchronous lanes settle (their records' outputs
   * belong to this commit), then each task with something to commit — input processed, outputs,
   * or state written (a punctuation, a purge) — hands over its changelog records (its state's
   * prepareCommit), its outputs and the offsets it consumed. What the tasks do from here on
   * belongs to the next commit. Undefined when no task has anything to commit.
   *
   * A task that tracks its lanes (lane-tracker.ts) does not wait for the lane work of its fused
   * records: what is unfinished stays held and goes with a later commit, and the group's position
   * on those fused partitions stops before it (fusedPositions). `full` drains every lane (a revoke,
   * a stop, a pipeline change: nothing may be left behind).
   */
  async prepare(all: Task[], full = false): Promise<PreparedCommit | undefined> {
    const started = performance.now();
    const settle = (): Promise<unknown> => Promise.all(all.map((t) => (full ? t.drain() : t.settle())));
    await settle();
    // Record caches (state/record-cache.ts, `emit: on_commit`) forward their merged updates now, so
    // that they and everything they cause downstream travel in this commit; what they forward may
    // go through asynchronous lanes again, hence settle and repeat until nothing was forwarded.
    while (all.reduce((n, t) => n + (t.options.state.flushRecordCaches?.() ?? 0), 0) > 0) await settle();
    const tasks = all.filter((t) => t.hasUncommitted() || t.collector.size > 0 || t.options.state.dirtyCount() > 0);
    if (tasks.length === 0) return undefined;
    const parts: PreparedCommit['parts'] = [];
    const records: OutgoingRecord[] = [];
    for (const task of tasks) {
      // Each task's state turns its dirty entries into changelog records (the last write per key).
      const changelog = task.options.state.prepareCommit();
      const lanes = task.lanes;
      parts.push({
        task,
        changelog: changelog.length,
        consumed: task.takeConsumed(),
        held: lanes && lanes.heldCount > 0 ? lanes.heldRoots() : [],
        released: lanes?.takeReleased() ?? [],
      });
      for (const c of changelog) records.push({ topic: c.topic, partition: c.partition, key: c.key, value: c.value, timestamp: c.timestamp });
    }
    const changelogCount = records.length;
    for (const task of tasks) for (const r of task.collector.take()) records.push(r);
    this.metrics.commitPhase('prepare', performance.now() - started);
    return { started, parts, records, changelogCount };
  }

  /**
   * The second half, while processing goes on: `delivery: immediate` records acknowledged, the
   * transaction (or the at-least-once sends and offset commit), then local state. Throws when the
   * commit failed: the prepared work is then lost and must be redone (see the task manager).
   * `committed` runs once it succeeded, still in commit order (the engine hands the outputs over).
   */
  async complete(p: PreparedCommit, committed?: () => void): Promise<void> {
    const previous = this.finished;
    let done!: (ok: boolean) => void;
    this.finished = new Promise<boolean>((resolve) => {
      done = resolve;
    });
    let ok = false;
    try {
      await this.completeAfter(p, previous);
      ok = true;
      committed?.();
    } finally {
      done(ok);
    }
  }

  private async completeAfter(p: PreparedCommit, previous: Promise<boolean>): Promise<void> {
    const { parts, records, changelogCount } = p;
    const m = this.metrics;
    let t = performance.now();
    // An input offset is never committed before the progress records it caused were acknowledged.
    await this.beforeCommit();
    m.commitPhase('immediate', performance.now() - t);
    t = performance.now();
    let offsets = parts.flatMap((x) => x.consumed);
    let meta: RecordMetadata[] = [];
    if (records.length === 0 && offsets.length === 0 && !parts.some((x) => x.released.length > 0)) {
      // State without a changelog written without input: nothing for the log, only SQLite.
      if (!(await previous)) throw previousFailed();
      for (const { task } of parts) task.options.state.completeCommit({});
      return;
    }
    if (this.transactions) {
      const timings: TransactionTimings = { waitPrevious: 0, send: 0, offsets: 0, waitCommit: 0, commit: 0 };
      meta = await this.transactions.run(
        records,
        (sent) => {
          offsets = fusedPositions(this.fusedTopics, offsets, records, sent, changelogCount, parts);
          return offsets;
        },
        this.consumer.groupMetadata(),
        timings,
      );
      m.commitPhase('wait_previous', timings.waitPrevious);
      m.commitPhase('send', timings.send);
      m.commitPhase('offsets', timings.offsets);
      m.commitPhase('wait_commit', timings.waitCommit);
      m.commitPhase('commit_transaction', timings.commit);
    } else {
      // Outputs (and dead letters) acknowledged before changelogs: a crash in between must leave
      // the store behind the outputs, never ahead. A store ahead would make the re-processed
      // records no-ops (the context window skips event ids it holds) and lose their outputs.
      const outputs = records.length > changelogCount ? await this.producer.send(records.slice(changelogCount)) : [];
      const changes = changelogCount > 0 ? await this.producer.send(records.slice(0, changelogCount)) : [];
      meta = [...changes, ...outputs];
      // Also with nothing sent: lane work released since the last commit moves fused positions.
      offsets = fusedPositions(this.fusedTopics, offsets, records, meta, changelogCount, parts);
      m.commitPhase('send', performance.now() - t);
    }
    // Local state of commits completes in commit order (each task's prepared writes are queued).
    if (!(await previous)) throw previousFailed();
    t = performance.now();

    // Changelog records come first in `records`, task by task: map their offsets back to each task.
    let i = 0;
    for (const { task, changelog, consumed } of parts) {
      const next: Record<string, number> = {};
      for (let j = 0; j < changelog; j++, i++) {
        const m = meta[i]!;
        const k = `${m.topic}:${m.partition}`;
        next[k] = Math.max(next[k] ?? 0, m.offset + 1);
      }
      // Table stores checkpoint their source topic's position too.
      for (const o of consumed) next[`${o.topic}:${o.partition}`] = o.offset;
      task.options.state.completeCommit(next);
    }
    if (!this.exactlyOnce && offsets.length > 0) await this.consumer.commit(offsets);
    m.commitPhase('state', performance.now() - t);

    // Wall-clock time, whatever clock punctuations use: the gateway stamps records with real time.
    const now = Date.now();
    for (let k = changelogCount; k < records.length; k++) {
      const ts = records[k]!.timestamp;
      if (ts !== undefined && ts > 0 && ts <= now) this.metrics.committedE2eLatency.observe(now - ts);
    }
    this.metrics.recordsProducedTotal += records.length - changelogCount;
    this.metrics.recordCommit(performance.now() - p.started);
  }

  /** Abandons uncommitted work (failure path): nothing of it becomes visible. */
  async abort(tasks: Task[]): Promise<void> {
    for (const task of tasks) task.rollback();
  }
}

function previousFailed(): AuraError {
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, 'commit abandoned: the commit before it failed', { details: { [PREVIOUS_FAILED]: true } });
}
