import { afterAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { noopListener, pollUntil, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';

describe('Kafka transactions', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('shows committed transactions to read_committed and never aborted ones; LSO trails an open transaction', async () => {
    const topic = uniqueName('txn');
    const input = uniqueName('txn-in');
    await transport.admin().createTopics([
      { name: topic, partitions: 1, replication: 1, config: {} },
      { name: input, partitions: 1, replication: 1, config: {} },
    ]);
    const producer = transport.producer({ transactionalId: uniqueName('tx') });
    const group = uniqueName('g');
    const consumer = transport.consumer({ groupId: group, isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await consumer.subscribe([input], noopListener);
    await pollUntil(consumer, () => consumer.assignment().length > 0);

    await producer.beginTransaction();
    await producer.send([
      { topic, key: 'a', value: Buffer.from('aborted-1') },
      { topic, key: 'b', value: Buffer.from('aborted-2') },
    ]);
    await producer.abortTransaction();

    await producer.beginTransaction();
    await producer.send([{ topic, key: 'c', value: Buffer.from('committed') }]);
    // Open transaction: the LSO stays before it, the high watermark does not.
    const reader = transport.consumer({ isolation: 'read_committed' });
    const dirty = transport.consumer({ isolation: 'read_uncommitted' });
    const [lso] = await reader.endOffsets([{ topic, partition: 0 }]);
    const [hw] = await dirty.endOffsets([{ topic, partition: 0 }]);
    expect(lso!.offset).toBe(3); // 2 aborted records + the abort marker
    expect(hw!.offset).toBe(4);
    await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 7 }], consumer.groupMetadata());
    await producer.commitTransaction();
    // commitTransaction returns once PrepareCommit is logged; the markers (and so the LSO) follow shortly after.
    let after = -1;
    for (const deadline = Date.now() + 5000; after !== 5 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      after = (await reader.endOffsets([{ topic, partition: 0 }]))[0]!.offset;
    }
    expect(after).toBe(5); // + the commit marker

    await reader.assign([{ topic, partition: 0, offset: 0 }]);
    const seen = await pollUntil(reader, () => reader.position({ topic, partition: 0 }) === 5, 10_000);
    expect(seen.map((r) => r.value!.toString())).toEqual(['committed']);
    expect(reader.position({ topic, partition: 0 })).toBe(5);
    await dirty.assign([{ topic, partition: 0, offset: 0 }]);
    const all = await pollUntil(dirty, (r) => r.length >= 3);
    expect(all.map((r) => r.value!.toString())).toEqual(['aborted-1', 'aborted-2', 'committed']);

    // The input offsets were committed with the transaction.
    expect(await consumer.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: 7 }]);
    await Promise.all([reader.close(), dirty.close(), consumer.close(), producer.close()]);
  });

  it('moves position past commit markers and aborted records that are never returned (restore end detection)', async () => {
    const topic = uniqueName('markers');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: {} }]);
    const producer = transport.producer({ transactionalId: uniqueName('tx') });
    await producer.beginTransaction();
    await producer.send([{ topic, key: 'a', value: Buffer.from('kept') }]); // offset 0, commit marker at 1
    await producer.commitTransaction();
    await producer.beginTransaction();
    await producer.send([{ topic, key: 'a', value: Buffer.from('dropped') }]); // offset 2, abort marker at 3
    await producer.abortTransaction();
    const reader = transport.consumer({ isolation: 'read_committed' });
    let end = -1;
    for (const deadline = Date.now() + 5000; end !== 4 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      end = (await reader.endOffsets([{ topic, partition: 0 }]))[0]!.offset;
    }
    expect(end).toBe(4);
    // A checkpoint points just past the last record it applied: at the commit marker.
    await reader.assign([{ topic, partition: 0, offset: 1 }]);
    expect(reader.position({ topic, partition: 0 })).toBe(1);
    const seen = await pollUntil(reader, () => reader.position({ topic, partition: 0 }) === 4, 10_000);
    expect(seen).toEqual([]);
    expect(reader.position({ topic, partition: 0 })).toBe(4);
    // After a seek back, the explicit position holds until records (or markers) move it.
    reader.seek({ topic, partition: 0, offset: 0 });
    expect(reader.position({ topic, partition: 0 })).toBe(0);
    const again = await pollUntil(reader, () => reader.position({ topic, partition: 0 }) === 4, 10_000);
    expect(again.map((r) => r.value!.toString())).toEqual(['kept']);
    await Promise.all([reader.close(), producer.close()]);
  });

  it('fences the older producer when a new one takes the same transactional id', async () => {
    const topic = uniqueName('fence');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: {} }]);
    const id = uniqueName('tx');
    const first = transport.producer({ transactionalId: id });
    await first.beginTransaction();
    await first.send([{ topic, key: 'k', value: Buffer.from('old') }]);

    const second = transport.producer({ transactionalId: id });
    await second.beginTransaction(); // initTransactions fences `first` and aborts its open transaction
    await second.send([{ topic, key: 'k', value: Buffer.from('new') }]);
    await second.commitTransaction();

    const err = await first.commitTransaction().catch((e) => e);
    expect(err).toBeInstanceOf(AuraError);
    expect(err.code).toBe('TRANSPORT_FENCED');

    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign([{ topic, partition: 0, offset: 0 }]);
    const records = await pollUntil(reader, (r) => r.length >= 1);
    expect(records.map((r) => r.value!.toString())).toEqual(['new']);
    await Promise.all([reader.close(), first.close(), second.close()]);
  });
});
