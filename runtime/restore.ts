/**
 * Restores the stores of newly assigned tasks before they process anything:
 * changelogged stores up to the end of their changelog (read_committed, so
 * aborted writes of a crashed instance are never applied), tables up to the
 * offset the group committed for their source topic (the main consumer goes on
 * from there). All tasks of one assignment share one restore consumer.
 *
 * Ends are "settled" first (see settledEnds): on Kafka the previous owner's
 * last transaction may still be completing when we are handed its task.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Consumer, LogRecord, TopicPartition, Transport } from '../transports/types.js';
import type { EngineMetrics } from './metrics.js';
import type { RestoreTarget, TaskState } from './task-state.js';

const BATCH = 5000;
/** Without any progress for this long a restore fails (and is retried by the engine). */
const STALL_TIMEOUT_MS = 60_000;
/** Longest wait for a previous owner's open transaction to be committed or aborted (> transaction.timeout.ms). */
const PENDING_TXN_TIMEOUT_MS = 60_000;

export interface RestoreJob {
  taskId: string;
  state: TaskState;
}

interface Target extends RestoreTarget {
  job: RestoreJob;
  end: number;
}

/**
 * Restores the stores of `jobs`; returns how many records were applied. `metrics.restoreTotal`
 * counts them as they are applied and `restoreRemainingRecords` says how many are left (an
 * upper bound: compaction and transaction markers leave gaps in the offsets).
 */
export async function restoreTasks(
  jobs: RestoreJob[],
  transport: Transport,
  groupConsumer: Consumer,
  logger: Logger,
  metrics: EngineMetrics,
  clientId = 'restore',
): Promise<number> {
  const plan: Target[] = jobs.flatMap((job) => job.state.restorePlan().map((t) => ({ ...t, job, end: 0 })));
  if (plan.length === 0) return 0;
  const ends = await settledEnds(plan, transport, groupConsumer, logger);
  for (const t of plan) t.end = ends.get(key(t)) ?? 0;
  for (const t of plan) {
    if (t.kind === 'changelog' && t.fromOffset > t.end) {
      // Local state claims more than the changelog holds (topic re-created?): keep it, but say so.
      logger.warn(
        { task: t.job.taskId, topic: t.topic, partition: t.partition, checkpoint: t.fromOffset, end: t.end },
        'local state is ahead of its changelog',
      );
    }
  }
  const todo = plan.filter((t) => t.end > t.fromOffset);
  if (todo.length === 0) return 0;

  const consumer = transport.consumer({ isolation: 'read_committed', clientId });
  let restored = 0;
  let remainingRecords = todo.reduce((n, t) => n + (t.end - t.fromOffset), 0);
  metrics.restoreRemainingRecords += remainingRecords;
  const started = Date.now();
  try {
    await consumer.assign(todo.map((t) => ({ topic: t.topic, partition: t.partition, offset: t.fromOffset })));
    // One changelog partition feeds exactly one store of one task.
    const remaining = new Map(todo.map((t) => [key(t), t] as const));
    let lastLog = started;
    let lastProgress = started;
    while (remaining.size > 0) {
      const records = await consumer.poll(BATCH, 200);
      const byTarget = new Map<Target, LogRecord[]>();
      for (const r of records) {
        const target = remaining.get(key(r));
        if (!target || r.offset >= target.end) continue;
        let list = byTarget.get(target);
        if (!list) byTarget.set(target, (list = []));
        list.push(r);
      }
      for (const [target, list] of byTarget) {
        target.job.state.restoreBatch(
          target,
          list.map((r) => ({ key: r.key, value: r.value, offset: r.offset, timestamp: r.timestamp })),
        );
        restored += list.length;
        metrics.restoreTotal += list.length;
      }
      // A partition is done when the consumer's position reached the end: gaps left by compaction or
      // transaction markers mean the last offset itself may never be returned as a record.
      let left = 0;
      for (const [k, target] of remaining) {
        const pos = consumer.position(target);
        if (pos !== undefined && pos >= target.end) remaining.delete(k);
        else left += target.end - Math.max(pos ?? target.fromOffset, target.fromOffset);
      }
      metrics.restoreRemainingRecords -= remainingRecords - left;
      remainingRecords = left;
      const now = Date.now();
      if (records.length > 0) lastProgress = now;
      else if (now - lastProgress > STALL_TIMEOUT_MS) {
        throw new AuraError(
          ErrorCodes.RESTORE_FAILED,
          `restore made no progress for ${STALL_TIMEOUT_MS / 1000} s (still missing ${[...remaining.keys()].join(', ')})`,
          { retriable: true },
        );
      }
      if (now - lastLog > 2000) {
        logger.info({ tasks: jobs.length, restored, remaining: remaining.size }, 'restoring state');
        lastLog = now;
      }
    }
  } finally {
    metrics.restoreRemainingRecords -= remainingRecords;
    await consumer.close();
  }
  logger.info({ tasks: jobs.map((j) => j.taskId), restored, ms: Date.now() - started }, 'state restored');
  return restored;
}

/**
 * End offsets to restore to. Changelogs: the last stable offset, but only once it has caught
 * up with the high watermark seen at the start. Only a task's owner writes its changelog, so an
 * open transaction there belongs to a previous owner: one that just committed (its commit
 * markers land a few ms after commitTransaction returned), or one that crashed (aborted when it
 * restarts with the same transactional id, or by the broker after transaction.timeout.ms).
 * Restoring to an LSO that still stands before such a transaction would silently drop writes
 * that are about to be committed — together with the input offsets the group then resumes from.
 */
async function settledEnds(plan: Target[], transport: Transport, groupConsumer: Consumer, logger: Logger): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  const changelogs: TopicPartition[] = plan.filter((t) => t.kind === 'changelog').map((t) => ({ topic: t.topic, partition: t.partition }));
  const tables = plan.filter((t) => t.kind === 'table');
  if (changelogs.length > 0) {
    const committed = transport.consumer({ isolation: 'read_committed', clientId: 'restore-probe' });
    const uncommitted = transport.consumer({ isolation: 'read_uncommitted', clientId: 'restore-probe' });
    try {
      const hw = new Map((await uncommitted.endOffsets(changelogs)).map((e) => [key(e), e.offset]));
      const started = Date.now();
      let warned = false;
      for (let pending = changelogs; pending.length > 0; ) {
        for (const e of await committed.endOffsets(pending)) ends.set(key(e), e.offset);
        pending = pending.filter((tp) => ends.get(key(tp))! < hw.get(key(tp))!);
        if (pending.length === 0) break;
        const waited = Date.now() - started;
        if (waited > PENDING_TXN_TIMEOUT_MS) {
          // Retried (up to task_timeout). One that never completes is a hanging transaction: the
          // broker lost its markers (seen after an unclean restart of a single broker); only an
          // operator can end it, and restoring past it could apply writes that are later aborted.
          throw new AuraError(
            ErrorCodes.RESTORE_FAILED,
            `open transactions on ${pending.map((p) => `${p.topic}[${p.partition}]`).join(', ')} did not complete within ${PENDING_TXN_TIMEOUT_MS / 1000} s ` +
              '(if this persists, a transaction is hanging on the broker: see "Hanging transaction" in docs/runbooks.md)',
            { retriable: true },
          );
        }
        if (!warned && waited > 1000) {
          warned = true;
          logger.info(
            { partitions: pending.map((p) => `${p.topic}[${p.partition}]`) },
            "waiting for a previous owner's open transaction to complete before restoring",
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(500, 20 + waited / 10)));
      }
    } finally {
      await Promise.all([committed.close(), uncommitted.close()]);
    }
  }
  if (tables.length > 0) {
    for (const c of await groupConsumer.committed(tables)) ends.set(key(c), Math.max(0, c.offset));
  }
  return ends;
}

function key(t: { topic: string; partition: number }): string {
  return `${t.topic}:${t.partition}`;
}
