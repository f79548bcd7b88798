/**
 * The group consumer's read-ahead (consumer.ts, ConsumerOptions.readAhead): with a backlog every
 * poll that hands a batch out starts the next consume call, so seeks and rebalances land while
 * one is in flight. Whatever it took off librdkafka's queue for a sought or moved partition must
 * be neither handed out twice nor lost, and rebalance work it delivers runs only where the caller
 * allows it (poll, quiesce), never while a batch is being processed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noopListener, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';
import type { Consumer, RebalanceListener, TopicPartition, TopicPartitionOffset } from '../types.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const k = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

/** Offsets handed out until `until` holds (each batch as one poll returned it). */
async function offsetsUntil(consumer: Consumer, until: (offsets: number[]) => boolean): Promise<number[]> {
  const out: number[] = [];
  const deadline = Date.now() + 20_000;
  while (!until(out) && Date.now() < deadline) for (const r of await consumer.poll(500, 200)) out.push(r.offset);
  return out;
}

/**
 * A group member that works like the engine: poll, process (slowly, giving the event loop turns),
 * quiesce, commit what it processed; on a revoke it commits what it processed of those partitions
 * first. Records every handed-out (partition, offset) and whether rebalance work ever ran while
 * a batch was being processed.
 */
function member(consumer: Consumer, seen: Map<string, number>) {
  const processed = new Map<string, TopicPartitionOffset>();
  let processing = false;
  let listenerWhileProcessing = 0;
  let revoked = 0;
  let handedOut = 0;
  const commitOf = (tps: TopicPartition[]) => tps.map((tp) => processed.get(k(tp))).filter((o): o is TopicPartitionOffset => o !== undefined);
  const listener: RebalanceListener = {
    async onAssigned() {
      if (processing) listenerWhileProcessing++;
    },
    async onRevoked(tps) {
      if (processing) listenerWhileProcessing++;
      revoked += tps.length;
      await consumer.commit(commitOf(tps));
      for (const tp of tps) processed.delete(k(tp));
    },
  };
  const step = async () => {
    const batch = await consumer.poll(100, 100);
    processing = true;
    handedOut += batch.length;
    for (const r of batch) {
      const id = `${r.partition}:${r.offset}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      processed.set(k(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    // Processing takes a while and gives the loop turns: the read-ahead's rebalance callbacks arrive now.
    for (let i = 0; i < 3; i++) await sleep(10);
    processing = false;
    await consumer.quiesce?.();
    await consumer.commit(commitOf(consumer.assignment()));
  };
  return { listener, step, stats: () => ({ listenerWhileProcessing, revoked, handedOut }) };
}

describe('Kafka consumer read-ahead', () => {
  const transport = testTransport();
  // Off by default (consumer-read-ahead.ts): these consumers read ahead.
  const before = process.env.AURA_KAFKA_READ_AHEAD;
  beforeAll(() => {
    process.env.AURA_KAFKA_READ_AHEAD = '1';
  });
  afterAll(() => {
    if (before === undefined) delete process.env.AURA_KAFKA_READ_AHEAD;
    else process.env.AURA_KAFKA_READ_AHEAD = before;
    return transport.close();
  });

  it('hands every record out once and in order, and a seek while a read-ahead is in flight repeats or skips exactly what it asks', async () => {
    const N = 3000;
    const topic = uniqueName('ra');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: {} }]);
    const producer = transport.producer({});
    await producer.send(range(0, N).map((i) => ({ topic, partition: 0, key: `k${i}`, value: Buffer.from(String(i)) })));
    const consumer = transport.consumer({ groupId: uniqueName('g'), isolation: 'read_committed', autoOffsetReset: 'earliest', readAhead: true });
    try {
      await consumer.subscribe([topic], noopListener);
      const first = await offsetsUntil(consumer, (o) => o.length >= 1000);
      expect(first).toEqual(range(0, first.length));

      // Back: the records after 100 again, each once.
      consumer.seek({ topic, partition: 0, offset: 100 });
      const back = await offsetsUntil(consumer, (o) => o.length >= 600);
      expect(back).toEqual(range(100, 100 + back.length));

      // Forward: the records before 2000 that were not handed out yet are skipped, the rest come once.
      consumer.seek({ topic, partition: 0, offset: 2000 });
      const forward = await offsetsUntil(consumer, (o) => o.at(-1) === N - 1);
      expect(forward).toEqual(range(2000, N));
      expect(await consumer.poll(500, 300)).toEqual([]);
    } finally {
      await consumer.close();
      await producer.close();
    }
  });

  it('a member joining while reading ahead: the revoke runs only in quiesce or poll, and every record is handed out exactly once across the group', async () => {
    const PARTITIONS = 4;
    const N = 40_000;
    const topic = uniqueName('ra-rb');
    await transport.admin().createTopics([{ name: topic, partitions: PARTITIONS, replication: 1, config: {} }]);
    const producer = transport.producer({});
    await producer.send(range(0, N).map((i) => ({ topic, partition: i % PARTITIONS, key: `k${i}`, value: Buffer.from(String(i)) })));
    const group = uniqueName('g');
    const options = { groupId: group, isolation: 'read_committed', autoOffsetReset: 'earliest', readAhead: true } as const;
    const seen = new Map<string, number>();
    const a = transport.consumer(options);
    const b = transport.consumer(options);
    const ma = member(a, seen);
    const mb = member(b, seen);
    try {
      await a.subscribe([topic], ma.listener);
      const deadline = Date.now() + 60_000;
      while (seen.size < 2000 && Date.now() < deadline) await ma.step();
      expect(a.assignment()).toHaveLength(PARTITIONS);
      // B joins while A keeps going: A's read-ahead holds records of the partitions that move.
      await b.subscribe([topic], mb.listener);
      let bRunning = true;
      const bLoop = (async () => {
        while (bRunning) await mb.step();
      })();
      while (seen.size < N && Date.now() < deadline) await ma.step();
      bRunning = false;
      await bLoop;
      expect(ma.stats().revoked).toBeGreaterThan(0);
      expect(mb.stats().handedOut).toBeGreaterThan(0);
      expect(ma.stats().listenerWhileProcessing).toBe(0);
      expect(mb.stats().listenerWhileProcessing).toBe(0);
      const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice).toEqual([]);
      expect(seen.size).toBe(N);
      for (let p = 0; p < PARTITIONS; p++) for (let o = 0; o < N / PARTITIONS; o++) expect(seen.has(`${p}:${o}`)).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await producer.close();
    }
  }, 90_000);
});
