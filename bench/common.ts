/**
 * What every bench shares: producing the input, and timing a consumer group
 * from the outside by its committed offsets (the same measure for our engine
 * and for Kafka Streams: work counts once its offsets are committed, i.e. its
 * outputs are visible to a read_committed reader).
 */

import { decodeValue, encodeValue } from '../runtime/serde.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import type { Pipeline } from '../topology/model.js';
import type { Consumer, TopicPartition, Transport } from '../transports/types.js';
import type { BenchRecord } from './workloads.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The bench input: `n` events one second apart (makeEvents), ending an hour
 * ago. Kafka rejects record timestamps more than an hour ahead of the broker
 * clock (log.message.timestamp.after.max.ms) and both logs drop records older
 * than the 7-day retention, so the events must fit in between.
 */
export function benchEvents(n: number, users: number, seed = 42): UserEvent[] {
  const start = Math.floor((Date.now() - n * 1000 - 3_600_000) / 1000) * 1000;
  if (Date.now() - start > 6 * 86_400_000) throw new Error(`${n} events one second apart do not fit in the 7-day retention: use at most 500,000`);
  return makeEvents(n, users, seed, start);
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Appends the events to `topic`, keyed by user, partitioned as Kafka's default partitioner does. */
export async function produceEvents(transport: Transport, topic: string, partitions: number, events: UserEvent[], timestamp?: () => number): Promise<void> {
  const records = events.map((e) => ({ key: e.user_id, value: encodeValue(e)!, timestamp: timestamp ? timestamp() : Date.parse(e.time) }));
  await produceRecords(transport, topic, partitions, records);
}

/** Appends keyed records to `topic` (partition by key, or the one given), a few batches in flight. */
export async function produceRecords(transport: Transport, topic: string, partitions: number, records: BenchRecord[], partition?: number): Promise<void> {
  const producer = transport.producer({ clientId: 'bench-input' });
  try {
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < records.length; i += 5000) {
      const batch = records
        .slice(i, i + 5000)
        .map((r) => ({ topic, partition: partition ?? transport.partitionFor(r.key, partitions), key: r.key, value: r.value, timestamp: r.timestamp }));
      pending.push(producer.send(batch));
      // A few batches in flight (Kafka), without holding the whole input in the client's queue.
      if (pending.length >= 8) await pending.shift();
    }
    await Promise.all(pending);
    await producer.flush();
  } finally {
    await producer.close();
  }
}

/** The last value (JSON) per key of a topic, read to its end with read_committed. */
export async function readLastByKey(transport: Transport, topic: string, partitions: number): Promise<Map<string, unknown>> {
  const consumer = transport.consumer({ isolation: 'read_committed', clientId: 'bench-verify' });
  const last = new Map<string, Buffer | null>();
  try {
    const tps = partitionsOf(topic, partitions);
    const ends = await consumer.endOffsets(tps);
    const todo = ends.filter((e) => e.offset > 0);
    await consumer.assign(todo.map((e) => ({ ...e, offset: 0 })));
    const deadline = performance.now() + 600_000;
    while (todo.some((e) => (consumer.position(e) ?? 0) < e.offset)) {
      for (const r of await consumer.poll(10_000, 200)) if (r.key !== null) last.set(r.key, r.value);
      if (performance.now() > deadline) throw new Error(`reading ${topic} to its end took more than 10 minutes`);
    }
  } finally {
    await consumer.close();
  }
  return new Map([...last].map(([k, v]) => [k, v === null ? null : decodeValue(v)]));
}

export const partitionsOf = (topic: string, n: number): TopicPartition[] => Array.from({ length: n }, (_, partition) => ({ topic, partition }));

export interface GroupTiming {
  /** From `startedAt` (the app was asked to start) until every offset was committed. */
  wallSeconds: number;
  /** From the first commit until the last: start-up (JVM, group join, restore) excluded. */
  steadySeconds: number;
  /** Records committed between the first commit and the last. */
  steadyRecords: number;
}

/**
 * Polls the committed offsets of `groupId` until they sum to `total` over `tps`.
 * `check` is called on every round so that a failed app ends the wait.
 */
export async function waitForGroup(
  transport: Transport,
  groupId: string,
  tps: TopicPartition[],
  total: number,
  startedAt: number,
  options: { timeoutMs?: number; check?: () => void; everyMs?: number } = {},
): Promise<GroupTiming> {
  const probe = transport.consumer({ groupId, isolation: 'read_committed', clientId: `bench-probe-${groupId}` });
  const deadline = startedAt + (options.timeoutMs ?? 600_000);
  let first: { at: number; done: number } | undefined;
  try {
    for (;;) {
      options.check?.();
      const committed = await retrying(() => probe.committed(tps));
      const now = performance.now();
      const done = committed.reduce((n, c) => n + Math.max(0, c.offset), 0);
      if (done > 0 && first === undefined) first = { at: now, done };
      if (done >= total) {
        const f = first!;
        return { wallSeconds: (now - startedAt) / 1000, steadySeconds: (now - f.at) / 1000, steadyRecords: done - f.done };
      }
      if (now > deadline) throw new Error(`group ${groupId}: ${done} of ${total} offsets committed after ${((now - startedAt) / 1000).toFixed(0)} s`);
      await sleep(options.everyMs ?? 25);
    }
  } finally {
    await probe.close();
  }
}

/**
 * Waits until every source topic of the pipeline is consumed and committed to
 * its end (read_committed), twice in a row with the same ends: a multi-stage
 * pipeline is done when the last stage caught up with what the others wrote.
 */
export async function waitForPipeline(transport: Transport, pipeline: Pipeline, startedAt: number, check?: () => void, timeoutMs = 1_800_000): Promise<number> {
  const probe = transport.consumer({ groupId: pipeline.app, isolation: 'read_committed', clientId: 'bench-probe' });
  const tps = pipeline.subtopologies.flatMap((st) =>
    [...st.sourceTopics, ...st.tableTopics].flatMap((id) => partitionsOf(pipeline.topics[id]!.name, pipeline.topics[id]!.partitions)),
  );
  let lastEnds = '';
  try {
    for (;;) {
      check?.();
      const ends = await retrying(() => probe.endOffsets(tps));
      const committed = await retrying(() => probe.committed(tps));
      const caughtUp = ends.every((e, i) => Math.max(0, committed[i]!.offset) >= e.offset);
      const key = ends.map((e) => e.offset).join(',');
      if (caughtUp && key === lastEnds) return (performance.now() - startedAt) / 1000;
      lastEnds = caughtUp ? key : '';
      if (performance.now() - startedAt > timeoutMs) throw new Error(`pipeline ${pipeline.app} did not catch up within ${timeoutMs / 1000} s`);
      await sleep(caughtUp ? 200 : 50);
    }
  } finally {
    await probe.close();
  }
}

/**
 * Retries a probe call for up to 30 s: right after a broker starts, or while
 * the group coordinator moves, OffsetFetch answers NOT_COORDINATOR /
 * COORDINATOR_LOAD_IN_PROGRESS, which the Java client retries by itself.
 */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Reads a consumer until `until()` says stop, handing every record to `onRecord` (read_committed latency probes). */
export async function drain(consumer: Consumer, until: () => boolean, onRecord: (timestamp: number, receivedAt: number) => void): Promise<void> {
  while (!until()) {
    const batch = await consumer.poll(1000, 20);
    const now = Date.now();
    for (const r of batch) onRecord(r.timestamp, now);
  }
}
