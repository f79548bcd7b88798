/**
 * The group consumer's read-ahead (consumer.ts): with a backlog every poll that hands a batch out
 * starts the next consume call, so these seeks all land while one is in flight. Whatever it took
 * off librdkafka's queue for a sought partition must be neither handed out nor lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { noopListener, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';
import type { Consumer } from '../types.js';

const N = 3000;

/** Offsets handed out until `until` holds (each batch as one poll returned it). */
async function offsetsUntil(consumer: Consumer, until: (offsets: number[]) => boolean): Promise<number[]> {
  const out: number[] = [];
  const deadline = Date.now() + 20_000;
  while (!until(out) && Date.now() < deadline) for (const r of await consumer.poll(500, 200)) out.push(r.offset);
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('Kafka consumer read-ahead', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('hands every record out once and in order, and a seek while a read-ahead is in flight repeats or skips exactly what it asks', async () => {
    const topic = uniqueName('ra');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: {} }]);
    const producer = transport.producer({});
    await producer.send(range(0, N).map((i) => ({ topic, partition: 0, key: `k${i}`, value: Buffer.from(String(i)) })));
    const consumer = transport.consumer({ groupId: uniqueName('g'), isolation: 'read_committed', autoOffsetReset: 'earliest' });
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
});
