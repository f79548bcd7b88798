/**
 * The embedded log's group administration, with Kafka's answers (the Kafka
 * side: transports/kafka/admin.kafka.test.ts): a group's state and members,
 * its committed offsets, overwriting them only while nobody is in it, and
 * offsets by time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollN, recordingListener, type TempLog, tempLog, topic } from '../../testing/support/embedded-log.js';

let log: TempLog;
beforeEach(async () => {
  log = tempLog();
  await log.transport.admin().createTopics([topic('orders', 2)]);
});
afterEach(async () => log.cleanup());

describe('embedded log: group administration', () => {
  it('describes a group, sets its offsets only while it is empty, and finds offsets by time', async () => {
    const admin = log.transport.admin();
    const t0 = 1_700_000_000_000;
    const producer = log.transport.producer({});
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({ topic: 'orders', partition: i % 2, key: `k${i}`, value: Buffer.from('v'), timestamp: t0 + i * 1000 })),
    );
    await producer.close();
    const tps = [0, 1].map((partition) => ({ topic: 'orders', partition }));
    expect(await admin.describeGroup('app')).toEqual({ groupId: 'app', state: 'empty', members: [] });
    expect((await admin.offsetsFor(tps, 'earliest')).map((o) => o.offset)).toEqual([0, 0]);
    expect((await admin.offsetsFor(tps, 'latest')).map((o) => o.offset)).toEqual([5, 5]);
    expect((await admin.offsetsFor(tps, { timestamp: t0 + 4_500 })).map((o) => o.offset)).toEqual([3, 2]);
    expect((await admin.offsetsFor(tps, { timestamp: t0 + 60_000 })).map((o) => o.offset)).toEqual([5, 5]);

    const member = log.transport.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest', clientId: 'm' });
    await member.subscribe(['orders'], recordingListener('m', []));
    await pollN(member, 10);
    const described = await admin.describeGroup('app');
    expect(described.state).toBe('stable');
    expect(described.members).toHaveLength(1);
    await expect(admin.setGroupOffsets('app', [{ topic: 'orders', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'GROUP_ACTIVE' });
    await member.close();

    await admin.setGroupOffsets('app', [
      { topic: 'orders', partition: 0, offset: 2 },
      { topic: 'orders', partition: 1, offset: 4 },
    ]);
    expect((await admin.groupOffsets('app', tps)).map((o) => o.offset)).toEqual([2, 4]);
    await expect(admin.setGroupOffsets('app', [{ topic: 'orders', partition: 7, offset: 0 }])).rejects.toMatchObject({ code: 'TOPIC_MISSING' });
    await expect(admin.setGroupOffsets('app', [{ topic: 'orders', partition: 0, offset: -3 }])).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});
