import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollN, type RebalanceEvent, recordingListener, type TempLog, tempLog, text, topic, value } from '../../testing/support/embedded-log.js';
import type { Consumer } from '../types.js';

let log: TempLog;
beforeEach(async () => {
  log = tempLog();
  await log.transport.admin().createTopics([topic('orders', 4), topic('customers', 4), topic('other', 2)]);
});
afterEach(async () => {
  await log.cleanup();
});

const member = (clientId: string): Consumer => log.transport.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest', clientId });
/** Polls every consumer concurrently until the group settles (nobody's assignment changes for a round). */
async function settle(...consumers: Consumer[]): Promise<void> {
  let before = '';
  for (let round = 0; round < 20; round++) {
    await Promise.all(consumers.map((c) => c.poll(100, 30)));
    const now = JSON.stringify(consumers.map((c) => c.assignment()));
    if (now === before) return;
    before = now;
  }
  throw new Error('group did not settle');
}
const names = (c: Consumer) =>
  c
    .assignment()
    .map((tp) => `${tp.topic}:${tp.partition}`)
    .sort();
const numbers = (c: Consumer, t: string) =>
  c
    .assignment()
    .filter((tp) => tp.topic === t)
    .map((tp) => tp.partition)
    .sort();

describe('embedded log: consumer groups', () => {
  it('splits partitions between two members, co-partitioned topics aligned, and hands all back when one closes', async () => {
    const events: RebalanceEvent[] = [];
    const a = member('a');
    const b = member('b');
    const la = recordingListener('a', events);
    const lb = recordingListener('b', events);
    await a.subscribe(['orders', 'customers'], la);
    await settle(a);
    expect(names(a)).toHaveLength(8);
    const genAlone = (a.groupMetadata() as { generation: number }).generation;

    await b.subscribe(['orders', 'customers'], lb);
    await settle(a, b);
    expect(numbers(a, 'orders')).toHaveLength(2);
    expect(numbers(b, 'orders')).toHaveLength(2);
    // Same partition numbers of both topics on the same member (joins read them together).
    expect(numbers(a, 'customers')).toEqual(numbers(a, 'orders'));
    expect(numbers(b, 'customers')).toEqual(numbers(b, 'orders'));
    expect(new Set([...names(a), ...names(b)]).size).toBe(8);
    // The listeners saw exactly what assignment() reports.
    expect([...la.owned].sort()).toEqual(names(a));
    expect([...lb.owned].sort()).toEqual(names(b));
    expect((a.groupMetadata() as { generation: number }).generation).toBeGreaterThan(genAlone);

    // a gave up b's partitions before b took them.
    const revokedAt = events.findIndex((e) => e.who === 'a' && e.kind === 'revoked');
    const assignedAt = events.findIndex((e) => e.who === 'b' && e.kind === 'assigned');
    expect(revokedAt).toBeGreaterThanOrEqual(0);
    expect(revokedAt).toBeLessThan(assignedAt);
    expect(events[revokedAt]!.partitions).toEqual(names(b));

    await b.close();
    expect(events.at(-1)).toEqual({ who: 'b', kind: 'revoked', partitions: expect.any(Array) as unknown });
    await settle(a);
    expect(names(a)).toHaveLength(8);
    expect(la.owned.size).toBe(8);
  });

  it('awaits a slow onRevoked before the partitions reach the other member (revoke → assign)', async () => {
    const events: RebalanceEvent[] = [];
    const a = member('a');
    await a.subscribe(['orders'], recordingListener('a', events, 60));
    await settle(a);
    const b = member('b');
    await b.subscribe(['orders'], recordingListener('b', events));
    // b polls first and must wait for a's slow revocation, which happens inside a's poll.
    const pb = b.poll(100, 500);
    const pa = a.poll(100, 200);
    await Promise.all([pa, pb]);
    await settle(a, b);
    const order = events.map((e) => `${e.who}:${e.kind}`);
    expect(order).toEqual(['a:assigned', 'a:revoked', 'b:assigned']);
  });

  it('moves committed progress with the partitions: no record lost or read twice across a rebalance', async () => {
    const producer = log.transport.producer({});
    await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic: 'orders', key: `k${i}`, value: value(`v${i}`) })));
    const seen: string[] = [];
    const progress = new Map<string, number>();
    // The engine's pattern: remember what was processed, commit it when partitions are revoked.
    const committing = (c: () => Consumer) => ({
      onAssigned: async () => {},
      onRevoked: async (tps: { topic: string; partition: number }[]) => {
        const offsets = tps
          .filter((tp) => progress.has(`${tp.topic}:${tp.partition}`))
          .map((tp) => ({ ...tp, offset: progress.get(`${tp.topic}:${tp.partition}`)! }));
        await c().commit(offsets);
      },
    });
    const a = member('a');
    await a.subscribe(
      ['orders'],
      committing(() => a),
    );
    for (const r of await pollN(a, 20)) {
      seen.push(text(r)!);
      progress.set(`${r.topic}:${r.partition}`, r.offset + 1);
    }
    const b = member('b');
    await b.subscribe(
      ['orders'],
      committing(() => b),
    );
    const deadline = Date.now() + 5000;
    while (seen.length < 40 && Date.now() < deadline) {
      for (const batch of await Promise.all([a.poll(5, 20), b.poll(5, 20)])) {
        for (const r of batch) {
          seen.push(text(r)!);
          progress.set(`${r.topic}:${r.partition}`, r.offset + 1);
        }
      }
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    expect(b.assignment().length).toBeGreaterThan(0);
  });

  it('rebalances when a subscribed topic grows, and assigns only what members subscribe to', async () => {
    const a = member('a');
    const b = member('b');
    await a.subscribe(['orders', 'other'], recordingListener('a', []));
    await b.subscribe(['orders'], recordingListener('b', []));
    await settle(a, b);
    expect(numbers(a, 'other')).toEqual([0, 1]);
    expect(numbers(b, 'other')).toEqual([]);
    await log.transport.admin().createPartitions('orders', 6);
    await settle(a, b);
    expect([...numbers(a, 'orders'), ...numbers(b, 'orders')].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('surfaces a failing callback from poll and carries on with the rebalance on the next poll', async () => {
    await log.transport.producer({}).send([{ topic: 'other', partition: 1, key: 'k', value: value('v') }]);
    let failures = 1;
    const c = member('a');
    await c.subscribe(['other'], {
      onAssigned: async () => {
        if (failures-- > 0) throw new Error('task creation failed');
      },
      onRevoked: async () => {},
    });
    await expect(c.poll(10, 50)).rejects.toThrow('task creation failed');
    // The partitions stay assigned (as with a Kafka client) and positions were initialised.
    expect(names(c)).toEqual(['other:0', 'other:1']);
    expect((await pollN(c, 1)).map(text)).toEqual(['v']);
  });
});
