/**
 * How the engine hands a polled batch to its tasks without holding the event loop: a turn after
 * every PROCESSING_SLICE_MS of processing. A batch of slow records (a Guardian answer is composed
 * synchronously) would otherwise hold the gateway's requests, the `delivery: immediate` chunks
 * and the second half of a commit for as long as the whole batch takes.
 */
import type { LogRecord } from '../transports/types.js';
import type { Task } from './task.js';
import type { TaskManager } from './task-manager.js';

/**
 * The longest the engine processes records without giving the event loop a turn (ms). A turn
 * costs a few µs; 5 ms keeps what shares the process (the gateway) within a few ms of its due
 * time while a batch of up to max_poll_records is processed.
 */
export const PROCESSING_SLICE_MS = 5;

/** One turn of the event loop: timers and I/O of the process run before the promise resolves. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The loop's shared slice. Each cooperative worker of the process (the engine's routing, the
 * gateway's reply consumer) yielding after its own 5 ms is not enough: Node runs every
 * `setImmediate` callback queued before its check phase in one go, microtasks between them, and
 * polls for I/O only after the last — with the engine, the reply consumer, the producer's flush
 * and a commit's second half all resumed in the same phase, one stretch without I/O took 35–80
 * ms in the load test's profile (docs/benchmarks.md, "embworker"). So the slice is counted per
 * stretch of the loop, not per worker: `takeTurn()` starts work when less than
 * PROCESSING_SLICE_MS of the current stretch is used, else waits for the next check phase —
 * which comes after an I/O poll. A stretch starts with the first `takeTurn()`/`sliceUsed()` of
 * a phase and ends when the marker immediate it queues runs (in the next check phase).
 */
let stretchStart: number | undefined;

function markStretch(now: number): void {
  stretchStart = now;
  setImmediate(() => {
    stretchStart = undefined;
  });
}

/** Milliseconds of the loop's current stretch used so far (starting one if none is under way). */
export function sliceUsed(): number {
  const now = performance.now();
  if (stretchStart === undefined) {
    markStretch(now);
    return 0;
  }
  return now - stretchStart;
}

/** Resolves when the loop's current stretch has room for more work (at once, or after an I/O poll). */
export async function takeTurn(budgetMs = PROCESSING_SLICE_MS): Promise<void> {
  // A few rounds at most: each is a check phase, and a new stretch begins at the phase's marker.
  for (let i = 0; i < 3 && sliceUsed() >= budgetMs; i++) await yieldToLoop();
}

function sameTasks(a: ReadonlyMap<string, Task>, b: ReadonlyMap<string, Task>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, task] of a) if (b.get(id) !== task) return false;
  return true;
}

/** Routes the batch in order, yielding between slices; a rebalance during a turn sends the rest only to the tasks still running. */
export async function routeInSlices(batch: readonly LogRecord[], taskManager: TaskManager): Promise<void> {
  // Set once the tasks changed during a turn given away (a rebalance listener ran): the tasks the
  // rest of the batch may still go to.
  let only: Map<string, Task> | undefined;
  for (let i = 0; i < batch.length; i++) {
    // Before the first record too: what else ran in this stretch of the loop counts.
    if (sliceUsed() >= PROCESSING_SLICE_MS) {
      const before = only ?? new Map(taskManager.tasks);
      await takeTurn();
      if (only === undefined && !sameTasks(before, taskManager.tasks)) only = before;
    }
    taskManager.route(batch[i]!, only);
  }
}
