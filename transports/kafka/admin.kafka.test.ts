import { afterAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { noopListener, pollUntil, testTransport, uniqueName } from '../../testing/support/kafka-clients.js';

describe('Kafka admin', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('creates, lists, grows and deletes topics', async () => {
    const a = uniqueName('adm-a');
    const b = uniqueName('adm-b');
    const admin = transport.admin();
    await transport.connect();
    await admin.createTopics([
      { name: a, partitions: 3, replication: 1, config: { 'cleanup.policy': 'compact' } },
      { name: b, partitions: 1, replication: 1, config: { 'retention.ms': '60000' } },
    ]);
    let topics = await admin.listTopics();
    // Configs come from the cluster (DescribeConfigs): the broker's default retention shows too.
    expect(topics.find((t) => t.name === a)).toEqual({
      name: a,
      partitions: 3,
      replication: 1,
      config: { 'cleanup.policy': 'compact', 'retention.ms': '604800000' },
    });
    expect(topics.find((t) => t.name === b)!.config).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '60000' });
    expect(topics.find((t) => t.name === b)?.partitions).toBe(1);
    expect(topics.some((t) => t.name.startsWith('__'))).toBe(false);

    await admin.createPartitions(b, 4);
    topics = await admin.listTopics();
    expect(topics.find((t) => t.name === b)?.partitions).toBe(4);

    const dup = await admin.createTopics([{ name: a, partitions: 1, replication: 1, config: {} }]).catch((e) => e);
    expect(dup).toBeInstanceOf(AuraError);
    expect(dup.code).toBe('TOPIC_EXISTS');

    await admin.deleteTopics([a, b]);
    topics = await admin.listTopics();
    expect(topics.map((t) => t.name)).not.toContain(a);
    const missing = await admin.deleteTopics([a]).catch((e) => e);
    expect(missing.code).toBe('TOPIC_MISSING');
  });

  it('describes a group, reads and sets its offsets (only while it is empty), finds offsets by time', async () => {
    const topic = uniqueName('adm-g');
    const group = uniqueName('g');
    const admin = transport.admin();
    await admin.createTopics([{ name: topic, partitions: 2, replication: 1, config: {} }]);
    const t0 = Date.now() - 60_000;
    const producer = transport.producer({});
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, key: `k${i}`, value: Buffer.from('v'), timestamp: t0 + i * 1000 })));
    await producer.close();
    const tps = [0, 1].map((partition) => ({ topic, partition }));
    expect(await admin.describeGroup(group)).toEqual({ groupId: group, state: 'dead', members: [] });
    expect(await admin.offsetsFor(tps, 'earliest')).toEqual(tps.map((tp) => ({ ...tp, offset: 0 })));
    expect(await admin.offsetsFor(tps, 'latest')).toEqual(tps.map((tp) => ({ ...tp, offset: 5 })));
    // Records at t0 + 0,2,4,6,8 s on partition 0 and t0 + 1,3,5,7,9 s on partition 1.
    expect((await admin.offsetsFor(tps, { timestamp: t0 + 4_500 })).map((o) => o.offset)).toEqual([3, 2]);
    expect((await admin.offsetsFor(tps, { timestamp: Date.now() })).map((o) => o.offset)).toEqual([5, 5]);

    const member = transport.consumer({ groupId: group, isolation: 'read_committed', autoOffsetReset: 'earliest', clientId: 'adm-member' });
    await member.subscribe([topic], noopListener);
    await pollUntil(member, () => member.assignment().length === 2);
    const described = await admin.describeGroup(group);
    expect(described.state).toBe('stable');
    expect(described.members.map((m) => m.clientId)).toEqual(['adm-member']);
    const refused = await admin.setGroupOffsets(group, [{ topic, partition: 0, offset: 1 }]).catch((e) => e);
    expect(await admin.groupOffsets(group, tps)).toEqual(tps.map((tp) => ({ ...tp, offset: -1 })));
    expect(refused).toBeInstanceOf(AuraError);
    expect(refused.code).toBe('GROUP_ACTIVE');
    await member.close();

    await admin.setGroupOffsets(group, [
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 4 },
    ]);
    expect(await admin.groupOffsets(group, tps)).toEqual([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 4 },
    ]);
    expect((await admin.describeGroup(group)).state).toBe('empty');
    await admin.deleteTopics([topic]);
  });
});
