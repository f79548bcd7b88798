/**
 * Overlapping transactions (commit-pipeline.ts) on a real broker, two real
 * transactional producers: started without waiting for each other, the
 * transactions land in commit order in every partition, the group's offset is
 * the last one's, and when transaction N fails (its producer fenced by the
 * broker) N+1 — already under way on the other producer — aborts: a
 * read_committed reader sees neither.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { noopListener, pollUntil, testTransport, uniqueName } from '../testing/support/kafka-clients.js';
import type { Consumer, Producer, TopicPartitionOffset } from '../transports/types.js';
import { PREVIOUS_FAILED, TransactionPipeline, type TransactionTimings } from './commit-pipeline.js';

const transport = testTransport();
afterAll(() => transport.close());

const timings = (): TransactionTimings => ({ waitPrevious: 0, send: 0, offsets: 0, waitCommit: 0, commit: 0 });

async function setup(partitions: number): Promise<{ topic: string; input: string; consumer: Consumer; group: string; producers: Producer[]; ids: string[] }> {
  const topic = uniqueName('overlap');
  const input = uniqueName('overlap-in');
  await transport.admin().createTopics([
    { name: topic, partitions, replication: 1, config: {} },
    { name: input, partitions: 1, replication: 1, config: {} },
  ]);
  const group = uniqueName('g');
  const consumer = transport.consumer({ groupId: group, isolation: 'read_committed', autoOffsetReset: 'earliest' });
  await consumer.subscribe([input], noopListener);
  await pollUntil(consumer, () => consumer.assignment().length > 0);
  const ids = [uniqueName('tx'), uniqueName('tx')];
  const producers = ids.map((transactionalId) => transport.producer({ transactionalId }));
  await Promise.all(producers.map((p) => p.connect?.()));
  return { topic, input, consumer, group, producers, ids };
}

async function readAll(topic: string, partitions: number, until: (n: number) => boolean): Promise<Array<{ partition: number; value: string }>> {
  const reader = transport.consumer({ isolation: 'read_committed' });
  await reader.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  const records = await pollUntil(reader, (r) => until(r.length), 15_000);
  // A little longer: anything more (a record twice, an aborted one) must show too.
  records.push(...(await reader.poll(500, 200)));
  await reader.close();
  return records.map((r) => ({ partition: r.partition, value: r.value!.toString() }));
}

describe('overlapping transactions', () => {
  it('commit in order, each once, with the last transaction’s offsets, though started without waiting', async () => {
    const partitions = 3;
    const { topic, input, consumer, producers } = await setup(partitions);
    const pipeline = new TransactionPipeline(producers);
    const runs: Array<Promise<unknown>> = [];
    const order: number[] = [];
    for (let n = 0; n < 8; n++) {
      // Every key in every transaction: a record of N+1 before one of N in a partition would show.
      const records = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ topic, key, value: Buffer.from(`${n}:${key}`) }));
      const offsets: TopicPartitionOffset[] = [{ topic: input, partition: 0, offset: (n + 1) * 10 }];
      runs.push(pipeline.run(records, () => offsets, consumer.groupMetadata(), timings()).then(() => order.push(n)));
    }
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const seen = await readAll(topic, partitions, (n) => n >= 48);
    expect(seen).toHaveLength(48);
    for (let p = 0; p < partitions; p++) {
      const txnOrder = seen.filter((r) => r.partition === p).map((r) => Number(r.value.split(':')[0]));
      expect(txnOrder, `partition ${p}`).toEqual([...txnOrder].sort((a, b) => a - b));
    }
    expect(new Set(seen.map((r) => r.value)).size).toBe(48);
    expect(await consumer.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: 80 }]);
    await Promise.all([consumer.close(), ...producers.map((p) => p.close())]);
  });

  it('aborts transaction N+1 when N fails (its producer fenced), and both leave nothing readable', async () => {
    const { topic, input, consumer, producers, ids } = await setup(1);
    // Producer 0 is fenced by the broker while transaction 1 (its second) is under way: a newer
    // producer with its transactional id initialises in the middle of it.
    const zombie = transport.producer({ transactionalId: ids[0]! });
    let fenceNext = false;
    const send = producers[0]!.sendOffsetsToTransaction.bind(producers[0]!);
    producers[0]!.sendOffsetsToTransaction = async (offsets, group) => {
      if (fenceNext) await zombie.connect?.();
      return send(offsets, group);
    };
    const pipeline = new TransactionPipeline(producers);
    const value = (s: string) => Buffer.from(s);
    const offsets = (offset: number) => () => [{ topic: input, partition: 0, offset }];
    // The producers take turns: transactions 0 and 2 on producer 0, 1 and 3 on producer 1.
    await pipeline.run([{ topic, key: 'k', value: value('t0') }], offsets(1), consumer.groupMetadata(), timings());
    await pipeline.run([{ topic, key: 'k', value: value('t1') }], offsets(2), consumer.groupMetadata(), timings());
    fenceNext = true;
    const failing = pipeline.run([{ topic, key: 'k', value: value('t2') }], offsets(3), consumer.groupMetadata(), timings()); // producer 0, fenced
    const following = pipeline.run([{ topic, key: 'k', value: value('t3') }], offsets(4), consumer.groupMetadata(), timings()); // producer 1
    const [failed, aborted] = await Promise.allSettled([failing, following]);
    expect(failed.status).toBe('rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(AuraError);
    expect(((failed as PromiseRejectedResult).reason as AuraError).code).toBe('TRANSPORT_FENCED');
    expect(aborted.status).toBe('rejected');
    expect(((aborted as PromiseRejectedResult).reason as AuraError).details?.[PREVIOUS_FAILED]).toBe(true);

    // Producer 1 is still usable once a new chain starts (the engine's recovery).
    const fresh = new TransactionPipeline([producers[1]!]);
    await fresh.run([{ topic, key: 'k', value: value('t4') }], offsets(5), consumer.groupMetadata(), timings());

    const seen = await readAll(topic, 1, (n) => n >= 3);
    expect(seen.map((r) => r.value)).toEqual(['t0', 't1', 't4']);
    expect(await consumer.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: 5 }]);
    await Promise.all([consumer.close(), zombie.close(), ...producers.map((p) => p.close())]);
  });
});
