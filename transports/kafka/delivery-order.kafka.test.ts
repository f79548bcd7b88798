/**
 * A transactional producer matches delivery reports to records by order (delivery-queue.ts), not
 * by opaque: every offset a send returns must be the offset its own record was written at, with
 * sends overlapping on the same partitions, records of null key (placed by librdkafka, matched
 * by opaque) among them, and after an aborted transaction.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';
import type { OutgoingRecord, RecordMetadata } from '../types.js';

describe('Kafka transactional producer: delivery reports matched by order', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('returns for every record the partition and offset it was written at', async () => {
    const topic = uniqueName('dr-order');
    await transport.admin().createTopics([{ name: topic, partitions: 3, replication: 1, config: {} }]);
    const producer = transport.producer({ transactionalId: uniqueName('tx') });
    const batch = (tag: string, n: number): OutgoingRecord[] =>
      Array.from({ length: n }, (_, i) => ({ topic, key: i % 7 === 3 ? null : `k${i % 50}`, value: Buffer.from(`${tag}-${i}`) }));

    // An aborted transaction first: its records take offsets, and its reports must not shift later matches.
    await producer.beginTransaction();
    await producer.send(batch('aborted', 500));
    await producer.abortTransaction();

    await producer.beginTransaction();
    const sends = [batch('a', 3000), batch('b', 2000), batch('c', 1)];
    const metas = await Promise.all(sends.map((records) => producer.send(records)));
    await producer.commitTransaction();

    const written = new Map<string, string>();
    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })));
    await pollUntil(
      reader,
      (rs) => {
        for (const r of rs) written.set(`${r.partition}:${r.offset}`, r.value!.toString());
        return written.size >= 5001;
      },
      20_000,
    );
    expect(written.size).toBe(5001);
    sends.forEach((records, s) => {
      const meta: RecordMetadata[] = metas[s]!;
      expect(meta).toHaveLength(records.length);
      records.forEach((r, i) => {
        expect(meta[i]!.topic).toBe(topic);
        expect(written.get(`${meta[i]!.partition}:${meta[i]!.offset}`)).toBe(r.value!.toString());
      });
    });
    await Promise.all([reader.close(), producer.close()]);
  });
});
