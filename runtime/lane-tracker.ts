/**
 * Which work in a task's asynchronous lanes a commit may leave to a later one
 * (issue 12): a commit's first half no longer waits for the lanes of a fused
 * chain (vectorize → ingest) to drain. What makes that exactly-once:
 *
 * - A **root** is a record a sink wrote to a fused topic, handed in memory to
 *   its reader (task-graph.ts). Everything the reader does with it — its
 *   synchronous part, the lane jobs it starts, the jobs those start (through
 *   further fused topics), and every output, dead letter and fused record
 *   they produce — belongs to the root. AsyncLocalStorage carries the root
 *   through a job's awaits; `holder()` is where an output goes meanwhile.
 * - A root's outputs are **held** until all of its work is done, and released
 *   to the collector only in root order (a prefix): a commit takes finished
 *   roots' outputs only, and per-key order (one partition, one root order)
 *   is kept.
 * - The root's own record is the writer's output: it commits with the
 *   writer's state and input offsets, as before. The group's position on the
 *   fused topic partition (commit.ts, fusedPositions) stops at the first root
 *   not released, and moves on with a later commit, which may write nothing
 *   there. After a crash the fused catch-up (fused-catch-up.ts) reads the
 *   held-back records from the log and redoes their downstream, none of which
 *   was committed.
 * - A tracker exists only when the fused readers are stateless (no stores):
 *   then nothing a root does reaches a changelog, and holding its outputs is
 *   all it takes. A chain with a store behind a fused topic drains at every
 *   commit, as before.
 *
 * Lane jobs with no root (an asynchronous node fed by the chain's own input,
 * or by the catch-up) are counted apart: a commit still waits for them, since
 * their input offsets commit with it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { OutgoingRecord } from '../transports/types.js';

export interface LaneRoot {
  /** The record written to the fused topic. */
  readonly record: OutgoingRecord;
  /** Where it was written, once the commit that sent it knows (commit.ts). */
  sent: { topic: string; partition: number; offset: number } | undefined;
  /** Work of the root still running: its lane jobs, plus one while its synchronous part runs. */
  pending: number;
  /** Outputs of its downstream, until it is released. */
  held: OutgoingRecord[];
  queued: boolean;
}

/** The root whose lane job runs (across its awaits); undefined outside lane jobs or in a job with no root. */
const running = new AsyncLocalStorage<LaneRoot | undefined>();

export class LaneTracker {
  /** The root whose synchronous part runs now (a sink's hand-off to a fused reader). */
  private handoff: LaneRoot | undefined;
  /** Roots not released yet, in the order their records were written; `head` is the first. */
  private queue: LaneRoot[] = [];
  private head = 0;
  /** Roots released since the last commit took them (their positions move with it). */
  private released: LaneRoot[] = [];
  private rootless = 0;
  private idleWaiters: Array<() => void> = [];

  /** `release` appends a finished root's outputs to the task's collector. */
  constructor(private readonly release: (records: OutgoingRecord[]) => void) {}

  /** Where an output produced now is held: its root's outputs, or undefined (straight to the collector). */
  holder(): OutgoingRecord[] | undefined {
    return (running.getStore() ?? this.handoff)?.held;
  }

  /**
   * A sink hands `record`, just written to a fused topic, to its reader: `process` runs with the
   * record as a new root — unless it runs on behalf of a root already, which then owns it all.
   */
  handOff(record: OutgoingRecord, process: () => void): void {
    if (this.handoff !== undefined || running.getStore() !== undefined) {
      process();
      return;
    }
    const root: LaneRoot = { record, sent: undefined, pending: 1, held: [], queued: false };
    this.handoff = root;
    try {
      process();
    } finally {
      this.handoff = undefined;
      root.pending--;
      if (root.pending === 0 && this.head === this.queue.length) {
        // Done at once, nothing before it waits: its outputs commit with its record.
        if (root.held.length > 0) this.release(root.held);
      } else {
        root.queued = true;
        this.queue.push(root);
        this.releaseFinished();
      }
    }
  }

  /** A lane takes a job now: its root (counted until the job ends), or undefined when it has none. */
  enter(): LaneRoot | undefined {
    const root = running.getStore() ?? this.handoff;
    if (root !== undefined) root.pending++;
    else this.rootless++;
    return root;
  }

  /** Runs a lane job in its root's context (its outputs are held there) and counts it done. */
  async run(root: LaneRoot | undefined, job: () => Promise<void>): Promise<void> {
    try {
      await running.run(root, job);
    } finally {
      if (root !== undefined) {
        root.pending--;
        if (root.pending === 0 && root.queued) this.releaseFinished();
      } else if (--this.rootless === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Resolves once no job without a root runs (a commit's first half waits for these). */
  rootlessDone(): Promise<void> {
    if (this.rootless === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Roots whose work is not done (or that wait behind one that is not), oldest first. */
  heldRoots(): LaneRoot[] {
    return this.queue.slice(this.head);
  }

  get heldCount(): number {
    return this.queue.length - this.head;
  }

  hasReleased(): boolean {
    return this.released.length > 0;
  }

  /** The roots released since the last call (a commit moves their fused positions on). */
  takeReleased(): LaneRoot[] {
    const taken = this.released;
    this.released = [];
    return taken;
  }

  /** The uncommitted work was dropped (rollback): so are the held roots and their outputs. */
  clear(): void {
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.queued = false;
    this.queue = [];
    this.head = 0;
    this.released = [];
  }

  private releaseFinished(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.pending === 0) {
      const root = this.queue[this.head++]!;
      root.queued = false;
      if (root.held.length > 0) this.release(root.held);
      root.held = [];
      this.released.push(root);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
