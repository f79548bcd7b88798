/**
 * Opens a task's state with state/'s TaskStateManager (one SQLite database per
 * task) and presents it as the engine's TaskState.
 */

import { TaskStateManager } from '../state/index.js';
import type { Pipeline, SubTopology } from '../topology/model.js';
import type { RestoreRecord, RestoreTarget, TaskState } from './task-state.js';

export function openTaskState(pipeline: Pipeline, st: SubTopology, partition: number, taskId: string, stateDir: string, now: () => number): TaskState {
  const manager = TaskStateManager.open({
    stateDir,
    app: pipeline.app,
    taskId,
    partition,
    now,
    recordCacheMaxBytes: pipeline.defaults.cacheMaxBytes,
    stateFlushIntervalMs: pipeline.defaults.stateFlushIntervalMs,
    stores: st.stores.map((id) => {
      const s = pipeline.stores[id]!;
      return { ...s, sourceTopic: s.fromTopic ? pipeline.topics[s.fromTopic]?.name : undefined };
    }),
  });
  return {
    getStore: (id) => manager.store(id),
    flushRecordCaches: () => manager.flushRecordCaches(),
    prepareCommit: () => manager.prepareCommit(),
    completeCommit: (next) => manager.completeCommit(next),
    abortCommit: () => manager.abortCommit(),
    writeCommittedIfDue: () => manager.writeCommittedIfDue(),
    needsFlush: () => manager.needsFlush(),
    dirtyCount: () => manager.dirtyCount(),
    restorePlan: () =>
      manager.restorePlan().map(
        (e): RestoreTarget => ({
          topic: e.topic,
          partition: e.partition,
          fromOffset: e.fromOffset,
          kind: e.table ? 'table' : 'changelog',
          storeId: e.storeId,
        }),
      ),
    restoreBatch: (target: RestoreTarget, all: RestoreRecord[]) => {
      // A record without a key cannot address a row (Kafka Streams skips them on restore too).
      const records = all.filter((r): r is RestoreRecord & { key: string } => r.key !== null);
      if (target.kind === 'table') manager.restoreFromTable(target.storeId, records);
      else manager.restoreBatch(target.topic, target.partition, records);
    },
    // `undefined`: the manager's own limit per call (its dirty-entry bound).
    purgeExpired: (now, streamTime) => void manager.purgeExpired(now, undefined, streamTime),
    storeMetrics: () => manager.metrics(),
    close: () => manager.close(),
  };
}
