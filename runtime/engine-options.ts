/** What a StreamEngine is built from (see runtime/app.ts for the usual composition). */

import type { Logger } from '../processors/types.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import type { Clock } from './clock.js';
import type { EngineMetrics } from './metrics.js';
import type { ValueSerdes } from './serde.js';
import type { GraphFactories } from './task-graph.js';
import type { TaskState } from './task-state.js';

export interface EngineOptions {
  pipeline: Pipeline;
  transport: Transport;
  factories: GraphFactories;
  /** Opens (or creates) the local state of one task. */
  openTaskState(subtopology: SubTopology, partition: number, taskId: string): TaskState;
  instanceId: string;
  /** Static group membership (`group.instance.id`): a restart within the session timeout keeps the partitions. */
  groupInstanceId?: string;
  logger: Logger;
  clock?: Clock;
  /** `create` (embedded default) creates missing topics; `check` fails with what is missing. */
  topics?: 'create' | 'check';
  maxPollRecords?: number;
  pollTimeoutMs?: number;
  /** The least time between the end of a commit and a commit because the input is drained (commit-policy.ts). Default 10 ms. */
  commitMinGapMs?: number;
  /** Records queued in asynchronous lanes before polling pauses. */
  maxInflight?: number;
  /** Purge of expired store rows, wall-clock interval. */
  purgeIntervalMs?: number;
  /** Value serdes by topic (Schema Registry formats); default: plain JSON. */
  serdes?: ValueSerdes;
  /** Overrides `defaults.task_timeout` of the pipeline (tests). */
  taskTimeoutMs?: number;
  /** The counters to count into (default: new ones). A replaced engine (`aura serve --watch`) continues its predecessor's. */
  metrics?: EngineMetrics;
}
