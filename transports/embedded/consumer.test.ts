import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { pollN, type TempLog, tempLog, text, topic, value } from '../../testing/support/embedded-log.js';

let log: TempLog;
beforeEach(async () => {
  log = tempLog();
  await log.transport.admin().createTopics([topic('t', 3)]);
});
afterEach(async () => {
  await log.cleanup();
});

const fill = async (partition: number, n: number, prefix = `p${partition}-`) =>
  log.transport.producer({}).send(Array.from({ length: n }, (_, i) => ({ topic: 't', partition, key: `${prefix}${i}`, value: value(`${prefix}${i}`) })));
const assigned = async (offsets: number[] = [0, 0, 0]) => {
  const c = log.transport.consumer({ isolation: 'read_committed' });
  await c.assign(offsets.map((offset, partition) => ({ topic: 't', partition, offset })));
  return c;
};

describe('embedded log: consumer', () => {
  it('wakes a waiting poll as soon as a record is appended, far below its timeout', async () => {
    const c = await assigned();
    const producer = log.transport.producer({});
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const pending = c.poll(10, 5000);
      await new Promise((r) => setTimeout(r, 2)); // the poll is parked now
      const sent = performance.now();
      await producer.send([{ topic: 't', partition: i % 3, key: `k${i}`, value: value(`v${i}`) }]);
      const got = await pending;
      latencies.push(performance.now() - sent);
      expect(got.map(text)).toEqual([`v${i}`]);
    }
    latencies.sort((a, b) => a - b);
    // The median is what a notifier buys over a sleep loop; allow a loaded CI machine some slack.
    expect(latencies[10]!).toBeLessThan(25);
  });

  it('returns an empty batch after roughly the timeout when nothing arrives', async () => {
    const c = await assigned();
    const started = performance.now();
    expect(await c.poll(10, 80)).toEqual([]);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(75);
    expect(waited).toBeLessThan(1000);
    expect(await c.poll(10, 0)).toEqual([]);
  });

  it('shares a poll fairly between partitions instead of draining one first', async () => {
    await fill(0, 100);
    await fill(1, 100);
    await fill(2, 100);
    const c = await assigned();
    const batch = await c.poll(30, 1000);
    const perPartition = [0, 1, 2].map((p) => batch.filter((r) => r.partition === p).length);
    expect(perPartition).toEqual([10, 10, 10]);
    // Still per-partition order, and positions advanced exactly.
    for (const p of [0, 1, 2]) expect(batch.filter((r) => r.partition === p).map((r) => r.offset)).toEqual([...Array(10).keys()]);
    expect([0, 1, 2].map((partition) => c.position({ topic: 't', partition }))).toEqual([10, 10, 10]);
  });

  it('pauses and resumes partitions; resume wakes a waiting poll', async () => {
    await fill(0, 3);
    await fill(1, 3);
    const c = await assigned();
    c.pause([{ topic: 't', partition: 0 }]);
    const got = await pollN(c, 3);
    expect(got.every((r) => r.partition === 1)).toBe(true);
    expect(await c.poll(10, 20)).toEqual([]);
    const pending = c.poll(10, 5000);
    const started = performance.now();
    setTimeout(() => c.resume([{ topic: 't', partition: 0 }]), 5);
    const resumed = await pending;
    expect(resumed.map(text)).toEqual(['p0-0', 'p0-1', 'p0-2']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('seeks backwards and forwards; seek on an unassigned partition fails', async () => {
    await fill(2, 10);
    const c = log.transport.consumer({ isolation: 'read_uncommitted' });
    await c.assign([{ topic: 't', partition: 2, offset: 0 }]);
    expect((await pollN(c, 10)).length).toBe(10);
    c.seek({ topic: 't', partition: 2, offset: 4 });
    expect(c.position({ topic: 't', partition: 2 })).toBe(4);
    expect((await pollN(c, 6)).map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    c.seek({ topic: 't', partition: 2, offset: 8 });
    expect((await c.poll(1, 100)).map((r) => r.offset)).toEqual([8]);
    expect(() => c.seek({ topic: 't', partition: 0, offset: 1 })).toThrow(AuraError);
  });

  it('starts where the group committed, else at autoOffsetReset (latest by default, like Kafka)', async () => {
    await fill(0, 5);
    const listener = { onAssigned: async () => {}, onRevoked: async () => {} };
    const latest = log.transport.consumer({ groupId: 'late', isolation: 'read_committed' });
    await latest.subscribe(['t'], listener);
    expect(await latest.poll(10, 20)).toEqual([]);
    expect(latest.position({ topic: 't', partition: 0 })).toBe(5);
    await fill(0, 1, 'new-');
    expect((await pollN(latest, 1)).map(text)).toEqual(['new-0']);

    const committer = log.transport.consumer({ groupId: 'resume', isolation: 'read_committed' });
    await committer.commit([{ topic: 't', partition: 0, offset: 3 }]);
    await committer.close();
    const resumed = log.transport.consumer({ groupId: 'resume', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await resumed.subscribe(['t'], listener);
    expect((await pollN(resumed, 3)).map((r) => [r.partition, r.offset])).toEqual([
      [0, 3],
      [0, 4],
      [0, 5],
    ]);
    expect(await resumed.beginningOffsets([{ topic: 't', partition: 0 }])).toEqual([{ topic: 't', partition: 0, offset: 0 }]);
  });

  it('rejects misuse: concurrent polls, calls after close, group calls without groupId', async () => {
    const c = await assigned();
    const first = c.poll(10, 200);
    await expect(c.poll(10, 0)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    await c.close();
    expect(await first).toEqual([]); // close released the waiting poll
    await expect(c.poll(10, 0)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    const nogroup = log.transport.consumer({ isolation: 'read_committed' });
    await expect(nogroup.committed([{ topic: 't', partition: 0 }])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(nogroup.subscribe(['t'], { onAssigned: async () => {}, onRevoked: async () => {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(nogroup.endOffsets([{ topic: 'missing', partition: 0 }])).rejects.toMatchObject({ code: 'TOPIC_MISSING' });
  });

  it('wakes pending polls and refuses new work once the transport is closed', async () => {
    const c = await assigned();
    const pending = c.poll(10, 5000);
    const started = performance.now();
    await log.transport.close();
    expect(await pending).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => log.transport.producer({})).toThrow(AuraError);
  });
});
