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
  let sliceStart = performance.now();
  for (let i = 0; i < batch.length; i++) {
    taskManager.route(batch[i]!, only);
    if (i < batch.length - 1 && performance.now() - sliceStart >= PROCESSING_SLICE_MS) {
      const before = only ?? new Map(taskManager.tasks);
      await yieldToLoop();
      if (only === undefined && !sameTasks(before, taskManager.tasks)) only = before;
      sliceStart = performance.now();
    }
  }
}
