/**
 * Before the tasks of a fused chain process anything, the records of their
 * fused topics that the group has not processed are processed first, read
 * from the log as an unfused reader would: records written while the reader
 * was not fused (a deployment that just turned fusion on), or by another
 * producer. Normally there are none — every commit moves the group's offset
 * on a fused topic past what the chain wrote there (commit.ts) — and this
 * costs one committed-offsets and one end-offsets request per assignment.
 *
 * The records go through the task like any input (their offsets are committed
 * with the task's next commit), before the head's own input: per-key order is
 * that of the log.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Consumer, TopicPartitionOffset, Transport } from '../transports/types.js';
import type { Task } from './task.js';

/** Without any progress for this long the catch-up fails (and the assignment is retried). */
const STALL_TIMEOUT_MS = 60_000;

export interface CatchUpDeps {
  transport: Transport;
  /** The group consumer: its committed offsets say what the group processed. */
  consumer: Consumer;
  exactlyOnce: boolean;
  logger: Logger;
  clientId: string;
  /** Records in asynchronous lanes before the catch-up waits for them. */
  maxInflight?: number;
}

export async function catchUpFused(tasks: Task[], deps: CatchUpDeps): Promise<number> {
  const targets = tasks.flatMap((task) => task.options.subtopology.fusedTopics.map((topic) => ({ task, topic, partition: task.partition })));
  if (targets.length === 0) return 0;
  const { transport, exactlyOnce } = deps;
  const committed = new Map((await deps.consumer.committed(targets)).map((c) => [key(c), c.offset]));
  const reader = transport.consumer({ isolation: exactlyOnce ? 'read_committed' : 'read_uncommitted', clientId: deps.clientId });
  let processed = 0;
  try {
    const ends = new Map((await reader.endOffsets(targets)).map((e) => [key(e), e.offset]));
    const starts = new Map((await reader.beginningOffsets(targets)).map((s) => [key(s), s.offset]));
    // On Kafka a transaction ends with a marker: the chain's own last commit leaves one offset after what it wrote.
    const slack = exactlyOnce && transport.kind === 'kafka' ? 1 : 0;
    const todo = targets
      .map((t) => ({ ...t, from: Math.max(committed.get(key(t)) ?? -1, starts.get(key(t)) ?? 0), end: ends.get(key(t)) ?? 0 }))
      .filter((t) => t.end - t.from > slack);
    if (todo.length === 0) return 0;
    deps.logger.info(
      { partitions: todo.map((t) => `${t.topic}[${t.partition}] ${t.from}..${t.end}`) },
      'fused topics hold records the group has not processed: processing them first',
    );
    await reader.assign(todo.map((t): TopicPartitionOffset => ({ topic: t.topic, partition: t.partition, offset: t.from })));
    const remaining = new Map(todo.map((t) => [key(t), t]));
    let lastProgress = Date.now();
    while (remaining.size > 0) {
      const records = await reader.poll(1000, 200);
      for (const r of records) {
        const target = remaining.get(key(r));
        if (!target || r.offset >= target.end) continue;
        target.task.process(r);
        processed++;
      }
      for (const t of new Set(todo.map((x) => x.task))) if (t.inflight() > (deps.maxInflight ?? 1000)) await t.drain();
      for (const [k, t] of remaining) {
        const pos = reader.position(t);
        if (pos !== undefined && pos >= t.end) remaining.delete(k);
      }
      if (records.length > 0) lastProgress = Date.now();
      else if (Date.now() - lastProgress > STALL_TIMEOUT_MS) {
        throw new AuraError(
          ErrorCodes.RESTORE_FAILED,
          `catching up fused topics made no progress for ${STALL_TIMEOUT_MS / 1000} s (still missing ${[...remaining.keys()].join(', ')})`,
          { retriable: true },
        );
      }
    }
  } finally {
    await reader.close();
  }
  deps.logger.info({ records: processed }, 'fused topics caught up');
  return processed;
}

const key = (t: { topic: string; partition: number }): string => `${t.topic}:${t.partition}`;
