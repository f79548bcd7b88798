import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { pollN, type TempLog, tempLog, text, topic, value } from '../../testing/support/embedded-log.js';
import { partitionForKey } from '../murmur2.js';
import type { LogRecord } from '../types.js';
import { createEmbeddedTransport } from './index.js';

let log: TempLog;
beforeEach(() => {
  log = tempLog();
});
afterEach(async () => {
  await log.cleanup();
});

const codeOf = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err instanceof AuraError ? err.code : `not an AuraError: ${String(err)}`;
  }
  return undefined;
};

describe('embedded log: produce and consume', () => {
  it('puts keyed records on the murmur2 partition and reads them back in order per partition', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('events', 6)]);
    const producer = t.producer({});
    const sent = Array.from({ length: 300 }, (_, i) => ({ topic: 'events', key: `user-${i % 17}`, value: value(`v${i}`) }));
    const metas = await producer.send(sent);
    for (let i = 0; i < sent.length; i++) expect(metas[i]!.partition).toBe(partitionForKey(sent[i]!.key, 6));
    expect(t.partitionFor('user-3', 6)).toBe(partitionForKey('user-3', 6));

    const consumer = t.consumer({ groupId: 'g', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await consumer.subscribe(['events'], { onAssigned: async () => {}, onRevoked: async () => {} });
    const got = await pollN(consumer, 300);
    const byPartition = new Map<number, LogRecord[]>();
    for (const r of got) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    for (const [partition, records] of byPartition) {
      // Dense offsets from 0, in send order for the partition.
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
      const expected = sent.filter((s) => partitionForKey(s.key, 6) === partition).map((s) => s.value.toString());
      expect(records.map(text)).toEqual(expected);
      for (const r of records) expect(r.partition).toBe(partitionForKey(r.key!, 6));
    }
    expect(await consumer.poll(10, 0)).toEqual([]);
  });

  it('round-trips headers, null values, explicit timestamps and spreads null keys over partitions', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('misc', 4)]);
    const producer = t.producer({});
    await producer.send([{ topic: 'misc', partition: 2, key: 'k', value: null, timestamp: 1234, headers: { trace: 'abc', 'content-type': 'json' } }]);
    const nullKeys = await producer.send(Array.from({ length: 8 }, () => ({ topic: 'misc', key: null, value: value('x') })));
    expect(new Set(nullKeys.map((m) => m.partition)).size).toBe(4);

    const consumer = t.consumer({ isolation: 'read_uncommitted' });
    await consumer.assign([{ topic: 'misc', partition: 2, offset: 0 }]);
    const [first] = await consumer.poll(1, 1000);
    expect(first).toMatchObject({
      topic: 'misc',
      partition: 2,
      offset: 0,
      key: 'k',
      value: null,
      timestamp: 1234,
      headers: { trace: 'abc', 'content-type': 'json' },
    });
  });

  it('refuses records for missing topics, partitions out of range, and keyless records on compacted topics', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('one', 2), topic('table', 2, { 'cleanup.policy': 'compact' })]);
    const producer = t.producer({});
    expect(await codeOf(producer.send([{ topic: 'nope', key: 'a', value: value('x') }]))).toBe('TOPIC_MISSING');
    expect(await codeOf(producer.send([{ topic: 'one', partition: 2, key: 'a', value: value('x') }]))).toBe('TRANSPORT_FAILED');
    expect(await codeOf(producer.send([{ topic: 'table', key: null, value: value('x') }]))).toBe('TRANSPORT_FAILED');
    // A failed batch leaves nothing behind and no offset consumed.
    expect(
      await codeOf(
        producer.send([
          { topic: 'one', partition: 0, key: 'a', value: value('x') },
          { topic: 'nope', key: 'a', value: null },
        ]),
      ),
    ).toBe('TOPIC_MISSING');
    const [meta] = await producer.send([{ topic: 'one', partition: 0, key: 'a', value: value('x') }]);
    expect(meta!.offset).toBe(0);
  });
});

describe('embedded log: admin', () => {
  it('creates, lists, grows and deletes topics with Kafka answers', async () => {
    const admin = log.transport.admin();
    await admin.createTopics([topic('a', 2, { 'cleanup.policy': 'compact' })]);
    const err = await admin.createTopics([topic('a', 3), topic('b', 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe('TOPIC_EXISTS');
    // The other topic of the request was created anyway (per-topic results, as on Kafka).
    expect((await admin.listTopics()).map((t) => [t.name, t.partitions, t.config['cleanup.policy']]).sort()).toEqual([
      ['a', 2, 'compact'],
      ['b', 1, undefined],
    ]);
    expect(await codeOf(admin.createTopics([topic('bad name!', 1)]))).toBe('CONFIG_INVALID');
    expect(await codeOf(admin.createTopics([topic('zero', 0)]))).toBe('CONFIG_INVALID');

    await admin.createPartitions('a', 5);
    expect((await admin.listTopics()).find((t) => t.name === 'a')!.partitions).toBe(5);
    expect(await codeOf(admin.createPartitions('a', 5))).toBe('TOPIC_UNSAFE_CHANGE');
    expect(await codeOf(admin.createPartitions('a', 3))).toBe('TOPIC_UNSAFE_CHANGE');
    expect(await codeOf(admin.createPartitions('missing', 3))).toBe('TOPIC_MISSING');
    const [m] = await log.transport.producer({}).send([{ topic: 'a', partition: 4, key: 'k', value: value('v') }]);
    expect(m).toEqual({ topic: 'a', partition: 4, offset: 0 });

    await admin.deleteTopics(['a']);
    expect((await admin.listTopics()).map((t) => t.name)).toEqual(['b']);
    expect(await codeOf(admin.deleteTopics(['a']))).toBe('TOPIC_MISSING');
    expect(await codeOf(log.transport.producer({}).send([{ topic: 'a', key: 'k', value: null }]))).toBe('TOPIC_MISSING');
  });
});

describe('embedded log: durability', () => {
  it('keeps topics, records, committed offsets and log end offsets across a reopen of the file', async () => {
    const t1 = log.transport;
    await t1.admin().createTopics([topic('durable', 3, { 'retention.ms': '-1' })]);
    await t1.producer({}).send(Array.from({ length: 30 }, (_, i) => ({ topic: 'durable', partition: i % 3, key: `k${i}`, value: value(`v${i}`) })));
    const c1 = t1.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await c1.subscribe(['durable'], { onAssigned: async () => {}, onRevoked: async () => {} });
    const firstHalf = await pollN(c1, 15);
    const next = new Map<number, number>();
    for (const r of firstHalf) next.set(r.partition, r.offset + 1);
    await c1.commit([...next].map(([partition, offset]) => ({ topic: 'durable', partition, offset })));
    await t1.close();

    const t2 = log.reopen();
    expect(await t2.admin().listTopics()).toEqual([{ name: 'durable', partitions: 3, replication: 1, config: { 'retention.ms': '-1' } }]);
    const c2 = t2.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    expect((await c2.committed([0, 1, 2].map((partition) => ({ topic: 'durable', partition })))).map((c) => c.offset)).toEqual(
      [0, 1, 2].map((p) => next.get(p) ?? -1),
    );
    await c2.subscribe(['durable'], { onAssigned: async () => {}, onRevoked: async () => {} });
    const rest = await pollN(c2, 15);
    // Exactly the records not committed before the restart.
    const seen = new Set([...firstHalf, ...rest].map((r) => text(r)));
    expect(seen.size).toBe(30);
    // New appends continue the offsets instead of restarting at 0.
    const [m] = await t2.producer({}).send([{ topic: 'durable', partition: 0, key: 'new', value: value('new') }]);
    expect(m!.offset).toBe(10);
    expect(await c2.endOffsets([{ topic: 'durable', partition: 0 }])).toEqual([{ topic: 'durable', partition: 0, offset: 11 }]);
  });
});

describe('embedded log: in memory', () => {
  it('works on :memory: for throwaway logs', async () => {
    const t = createEmbeddedTransport({ path: ':memory:', maintenanceIntervalMs: 0 });
    try {
      await t.connect();
      await t.admin().createTopics([topic('m', 1)]);
      await t.producer({}).send([{ topic: 'm', key: 'k', value: value('v') }]);
      const c = t.consumer({ isolation: 'read_uncommitted', autoOffsetReset: 'earliest' });
      await c.assign([{ topic: 'm', partition: 0, offset: -1 }]);
      expect((await pollN(c, 1)).map(text)).toEqual(['v']);
    } finally {
      await t.close();
    }
  });
});
