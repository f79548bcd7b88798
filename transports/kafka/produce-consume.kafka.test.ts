import { afterAll, describe, expect, it } from 'vitest';
import { noopListener, pollUntil, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';
import { partitionForKey } from '../murmur2.js';

describe('Kafka produce/consume', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('places keys with murmur2 like the embedded log and round-trips records', async () => {
    const topic = uniqueName('rt');
    await transport.admin().createTopics([{ name: topic, partitions: 6, replication: 1, config: {} }]);
    const producer = transport.producer({});
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}-é`);
    const meta = await producer.send(
      keys.map((k, i) => ({ topic, key: k, value: Buffer.from(`v${i}`), headers: { i: String(i) }, timestamp: 1_700_000_000_000 + i })),
    );
    expect(meta).toHaveLength(60);
    meta.forEach((m, i) => {
      expect(m.topic).toBe(topic);
      expect(m.partition).toBe(partitionForKey(keys[i]!, 6));
      expect(transport.partitionFor(keys[i]!, 6)).toBe(m.partition);
    });
    // Offsets are dense per partition, in input order.
    for (let p = 0; p < 6; p++) {
      expect(meta.filter((m) => m.partition === p).map((m) => m.offset)).toEqual([...Array(meta.filter((m) => m.partition === p).length).keys()]);
    }
    // Explicit partition and a null key.
    const [explicit, nullKey] = await producer.send([
      { topic, partition: 5, key: 'x', value: Buffer.from('explicit') },
      { topic, partition: 2, key: null, value: null },
    ]);
    expect(explicit!.partition).toBe(5);
    expect(nullKey!.partition).toBe(2);

    const consumer = transport.consumer({ groupId: uniqueName('g'), isolation: 'read_uncommitted', autoOffsetReset: 'earliest' });
    await consumer.subscribe([topic], noopListener);
    const records = await pollUntil(consumer, (r) => r.length >= 62);
    expect(records).toHaveLength(62);
    const byValue = new Map(records.map((r) => [r.value?.toString() ?? 'null', r]));
    const r7 = byValue.get('v7')!;
    expect(r7).toMatchObject({
      topic,
      key: keys[7],
      partition: meta[7]!.partition,
      offset: meta[7]!.offset,
      timestamp: 1_700_000_000_007,
      headers: { i: '7' },
    });
    expect(byValue.get('null')).toMatchObject({ key: null, value: null, partition: 2 });
    expect(
      consumer
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);

    const ends = await consumer.endOffsets([
      { topic, partition: 5 },
      { topic, partition: 2 },
    ]);
    const count = (p: number) => meta.filter((m) => m.partition === p).length + 1;
    expect(ends).toEqual([
      { topic, partition: 5, offset: count(5) },
      { topic, partition: 2, offset: count(2) },
    ]);
    expect(consumer.position({ topic, partition: 5 })).toBe(count(5));
    expect(await consumer.beginningOffsets([{ topic, partition: 5 }])).toEqual([{ topic, partition: 5, offset: 0 }]);

    // Manual commits, read back.
    expect(await consumer.committed([{ topic, partition: 0 }])).toEqual([{ topic, partition: 0, offset: -1 }]);
    await consumer.commit([
      { topic, partition: 0, offset: 3 },
      { topic, partition: 5, offset: count(5) },
    ]);
    expect(
      await consumer.committed([
        { topic, partition: 5 },
        { topic, partition: 0 },
      ]),
    ).toEqual([
      { topic, partition: 5, offset: count(5) },
      { topic, partition: 0, offset: 3 },
    ]);
    await consumer.close();
    await producer.close();
  });

  it('assigns with explicit offsets, seeks, pauses and resumes', async () => {
    const topic = uniqueName('seek');
    await transport.admin().createTopics([{ name: topic, partitions: 2, replication: 1, config: {} }]);
    const producer = transport.producer({});
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, key: `k${i}`, value: Buffer.from(String(i)) })));
    await producer.close();

    const consumer = transport.consumer({ isolation: 'read_uncommitted' });
    await consumer.assign([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 0 },
    ]);
    expect(consumer.position({ topic, partition: 0 })).toBe(2);
    consumer.pause([{ topic, partition: 1 }]);
    let records = await pollUntil(consumer, (r) => r.length >= 3, 3000);
    expect(records.map((r) => [r.partition, r.offset])).toEqual([
      [0, 2],
      [0, 3],
      [0, 4],
    ]);
    expect(consumer.position({ topic, partition: 0 })).toBe(5);

    consumer.resume([{ topic, partition: 1 }]);
    consumer.seek({ topic, partition: 0, offset: 4 });
    expect(consumer.position({ topic, partition: 0 })).toBe(4);
    records = await pollUntil(consumer, (r) => r.length >= 6);
    expect(records.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([4]);
    expect(records.filter((r) => r.partition === 1).map((r) => r.value!.toString())).toEqual(['1', '3', '5', '7', '9']);
    await consumer.unassign();
    expect(consumer.assignment()).toEqual([]);
    await consumer.close();
  });
});
