/**
 * Builds the tasks of an assignment: opens their local state, restores it
 * from the changelogs (one restore for all of them, retried with backoff
 * through a broker outage, up to task_timeout — a task must never process
 * without its state), then builds each task's context and graph, hands them
 * to the task and initializes its processors; a fused chain's tasks then
 * process what the group left unprocessed in their fused topics
 * (fused-catch-up.ts).
 */
import type { Logger } from '../processors/types.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { Consumer, OutgoingRecord, Transport } from '../transports/types.js';
import type { Clock } from './clock.js';
import { catchUpFused } from './fused-catch-up.js';
import type { EngineMetrics } from './metrics.js';
import { restoreTasks } from './restore.js';
import type { Retrier } from './retry.js';
import type { ValueSerdes } from './serde.js';
import { Task } from './task.js';
import { TaskContext } from './task-context.js';
import { buildTaskGraph, type GraphFactories } from './task-graph.js';
import type { TaskState } from './task-state.js';
import type { TaskUnit } from './task-units.js';

export interface TaskFactoryDeps {
  pipeline: Pipeline;
  transport: Transport;
  factories: GraphFactories;
  openTaskState(subtopology: SubTopology, partition: number, taskId: string): TaskState;
  /** The group consumer: tables restore up to its committed offsets. */
  consumer: Consumer;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  retrier: Retrier;
  /** Client id of the restore consumer. */
  restoreClientId: string;
  /** Sink for `delivery: immediate` topics. */
  immediate?: (record: OutgoingRecord) => void;
  /** Value serdes by topic (default: plain JSON). */
  serdes?: ValueSerdes;
}

export async function buildTasks(list: Array<{ st: TaskUnit; p: number }>, deps: TaskFactoryDeps): Promise<Task[]> {
  if (list.length === 0) return [];
  const { pipeline, transport, logger, metrics } = deps;
  const jobs = await deps.retrier.run('restore', async () => {
    const opened = list.map(({ st, p }) => ({ st, p, taskId: `${st.id}_${p}`, state: deps.openTaskState(st, p, `${st.id}_${p}`) }));
    try {
      await restoreTasks(opened, transport, deps.consumer, logger, metrics, deps.restoreClientId);
      return opened;
    } catch (err) {
      // Restored rows and their checkpoint are committed together: the next attempt goes on from there.
      for (const j of opened) j.state.close();
      throw err;
    }
  });
  const tasks: Task[] = [];
  for (const { st, p, taskId, state } of jobs) {
    const context = new TaskContext({
      pipeline,
      id: taskId,
      partition: p,
      clock: deps.clock,
      logger,
      metrics,
      partitionFor: (key, n) => transport.partitionFor(key, n),
      immediate: deps.immediate,
      serdes: deps.serdes,
    });
    const graph = buildTaskGraph(context, {
      pipeline,
      subtopologies: st.members,
      fusedTopics: st.fusedTopics,
      state,
      factories: deps.factories,
      clock: deps.clock,
    });
    const task = new Task({ pipeline, subtopology: st, partition: p, state, serdes: deps.serdes }, context, graph);
    await task.init();
    metrics.taskCreatedTotal++;
    tasks.push(task);
  }
  const catchUp = {
    transport,
    consumer: deps.consumer,
    exactlyOnce: pipeline.defaults.processing === 'exactly_once',
    logger,
    clientId: `${deps.restoreClientId}-fused`,
  };
  try {
    await deps.retrier.run('catch up fused topics', async () => {
      try {
        await catchUpFused(tasks, catchUp);
      } catch (err) {
        // The next attempt starts from the committed offsets again: forget what this one processed.
        for (const task of tasks) {
          await task.drain().catch(() => undefined);
          task.rollback();
        }
        throw err;
      }
    });
  } catch (err) {
    for (const task of tasks) await task.close().catch(() => undefined);
    throw err;
  }
  return tasks;
}
