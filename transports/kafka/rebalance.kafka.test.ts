import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer, RebalanceListener, TopicPartition } from '../types.js';
import { testTransport, uniqueName } from '../../testing/support/kafka-clients.js';

/** Records the callbacks and holds each one for `delayMs`, so a test can see whether poll awaited it. */
function slowListener(delayMs: number) {
  const events: string[] = [];
  let owned: TopicPartition[] = [];
  let inCallback = false;
  const listener: RebalanceListener = {
    async onAssigned(tps) {
      inCallback = true;
      await new Promise((r) => setTimeout(r, delayMs));
      owned = tps;
      events.push(`assigned:${tps.length}`);
      inCallback = false;
    },
    async onRevoked(tps) {
      inCallback = true;
      await new Promise((r) => setTimeout(r, delayMs));
      owned = [];
      events.push(`revoked:${tps.length}`);
      inCallback = false;
    },
  };
  return { listener, events, owned: () => owned, busy: () => inCallback };
}

describe('Kafka consumer group rebalance', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('splits co-partitioned topics alike between two members, awaiting the callbacks', async () => {
    const a = uniqueName('rb-a');
    const b = uniqueName('rb-b');
    await transport.admin().createTopics([a, b].map((name) => ({ name, partitions: 4, replication: 1, config: {} })));
    const group = uniqueName('g');
    const opts = { groupId: group, isolation: 'read_committed' as const, autoOffsetReset: 'earliest' as const };
    const c1 = transport.consumer(opts);
    const l1 = slowListener(300);
    await c1.subscribe([a, b], l1.listener);

    const pollUntil = async (c: Consumer, ok: () => boolean) => {
      for (const deadline = Date.now() + 20_000; !ok() && Date.now() < deadline; ) {
        await c.poll(100, 100);
        // poll never returns while a callback is still running
        expect(l1.busy() || l2?.busy()).toBeFalsy();
      }
      expect(ok()).toBe(true);
    };
    let l2: ReturnType<typeof slowListener> | undefined;

    await pollUntil(c1, () => c1.assignment().length === 8);
    expect(l1.events).toEqual(['assigned:8']);
    expect(l1.owned()).toHaveLength(8);

    const c2 = transport.consumer(opts);
    l2 = slowListener(300);
    await c2.subscribe([a, b], l2.listener);
    // Both members must keep polling for the eager rebalance to complete.
    const both = async () => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        await Promise.all([c1.poll(100, 100), c2.poll(100, 100)]);
        expect(l1.busy() || l2!.busy()).toBeFalsy();
        if (c1.assignment().length === 4 && c2.assignment().length === 4) return;
      }
    };
    await both();
    expect(c1.assignment()).toHaveLength(4);
    expect(c2.assignment()).toHaveLength(4);
    expect(l1.events).toEqual(['assigned:8', 'revoked:8', 'assigned:4']);
    expect(l2.events).toEqual(['assigned:4']);

    // Range assignor: each member owns the same partition numbers of both topics, and together they own all.
    for (const c of [c1, c2]) {
      const parts = (t: string) => c.assignment().filter((tp) => tp.topic === t).map((tp) => tp.partition).sort();
      expect(parts(a)).toEqual(parts(b));
      expect(parts(a)).toHaveLength(2);
    }
    const all = [...c1.assignment(), ...c2.assignment()].map((tp) => `${tp.topic}:${tp.partition}`).sort();
    expect(new Set(all).size).toBe(8);

    // Leaving hands everything back to the survivor.
    await c2.close();
    await pollUntil(c1, () => c1.assignment().length === 8);
    expect(l1.events.slice(-2)).toEqual(['revoked:4', 'assigned:8']);
    await c1.close();
  });
});
