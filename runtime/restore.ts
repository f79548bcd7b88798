/**
 * Restores a task's stores before it processes anything: changelogged stores
 * up to the end of their changelog (read_committed, so aborted writes of a
 * crashed instance are never applied), tables up to the offset the group
 * committed for their source topic (the main consumer goes on from there).
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Consumer, Transport } from '../transports/types.js';
import type { Logger } from '../processors/types.js';
import type { RestoreTarget, TaskState } from './task-state.js';

const BATCH = 5000;
const RESTORE_TIMEOUT_MS = 10 * 60_000;

export async function restoreTask(
  taskId: string,
  state: TaskState,
  transport: Transport,
  groupConsumer: Consumer,
  logger: Logger,
): Promise<number> {
  const plan = state.restorePlan();
  if (plan.length === 0) return 0;
  const ends = await endOffsets(plan, transport, groupConsumer);
  const todo = plan.filter((t) => (ends.get(key(t)) ?? 0) > t.fromOffset);
  if (todo.length === 0) return 0;
  const consumer = transport.consumer({ isolation: 'read_committed', clientId: `restore-${taskId}` });
  let restored = 0;
  const started = Date.now();
  try {
    await consumer.assign(todo.map((t) => ({ topic: t.topic, partition: t.partition, offset: t.fromOffset })));
    const remaining = new Map(todo.map((t) => [key(t), t] as const));
    let lastLog = started;
    while (remaining.size > 0) {
      const records = await consumer.poll(BATCH, 200);
      const byTarget = new Map<string, typeof records>();
      for (const r of records) {
        const k = `${r.topic}:${r.partition}`;
        const target = remaining.get(k);
        if (!target || r.offset >= ends.get(k)!) continue;
        let list = byTarget.get(k);
        if (!list) byTarget.set(k, (list = []));
        list.push(r);
      }
      for (const [k, list] of byTarget) {
        state.restoreBatch(remaining.get(k)!, list.map((r) => ({ key: r.key, value: r.value, offset: r.offset, timestamp: r.timestamp })));
        restored += list.length;
      }
      // A partition is done when the consumer's position reached the end: gaps left by compaction or
      // transaction markers mean the last offset itself may never be returned as a record.
      for (const [k, target] of remaining) {
        const pos = consumer.position(target);
        if (pos !== undefined && pos >= ends.get(k)!) remaining.delete(k);
      }
      if (records.length === 0 && Date.now() - started > RESTORE_TIMEOUT_MS) {
        throw new AuraError(ErrorCodes.RESTORE_FAILED, `task ${taskId}: restore made no progress (still missing ${[...remaining.keys()].join(', ')})`);
      }
      if (Date.now() - lastLog > 2000) {
        logger.info({ task: taskId, restored, remaining: remaining.size }, 'restoring state');
        lastLog = Date.now();
      }
    }
  } finally {
    await consumer.close();
  }
  logger.info({ task: taskId, restored, ms: Date.now() - started }, 'state restored');
  return restored;
}

async function endOffsets(plan: RestoreTarget[], transport: Transport, groupConsumer: Consumer): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  const changelogs = plan.filter((t) => t.kind === 'changelog');
  const tables = plan.filter((t) => t.kind === 'table');
  if (changelogs.length > 0) {
    const probe = transport.consumer({ isolation: 'read_committed', clientId: 'restore-probe' });
    try {
      for (const e of await probe.endOffsets(changelogs)) ends.set(key(e), e.offset);
    } finally {
      await probe.close();
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
