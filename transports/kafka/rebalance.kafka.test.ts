/**
 * Group membership of the Kafka consumer on a real broker: cooperative
 * incremental rebalancing (a member joining takes only what moves; nobody
 * gives everything back), co-partitioned topics kept together, the engine's
 * callbacks awaited before poll returns, and static membership (a member
 * restarted with the same group.instance.id gets its own partitions back with
 * no rebalance at all, and a member still running when another one joins with
 * its group.instance.id is fenced: its polls fail, every one).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { testTransport, uniqueName } from '../../testing/support/kafka-clients.js';
import type { Consumer, ConsumerOptions, RebalanceListener, TopicPartition } from '../types.js';

/**
 * Records the callbacks and holds each one for `delayMs`, so a test can see whether poll awaited
 * it. Cooperative rebalances end with an (often empty) assignment on every member: empty ones
 * are not recorded.
 */
function slowListener(delayMs: number) {
  const events: string[] = [];
  let owned: TopicPartition[] = [];
  let inCallback = false;
  const k = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
  const listener: RebalanceListener = {
    async onAssigned(tps) {
      inCallback = true;
      await new Promise((r) => setTimeout(r, delayMs));
      owned = [...owned, ...tps];
      if (tps.length > 0) events.push(`assigned:${tps.length}`);
      inCallback = false;
    },
    async onRevoked(tps) {
      inCallback = true;
      await new Promise((r) => setTimeout(r, delayMs));
      owned = owned.filter((o) => !tps.some((t) => k(t) === k(o)));
      if (tps.length > 0) events.push(`revoked:${tps.length}`);
      inCallback = false;
    },
  };
  return { listener, events, owned: () => owned, busy: () => inCallback };
}

type Member = { c: Consumer; l: ReturnType<typeof slowListener> };

/** Polls every member until `ok()` (or the timeout); poll never returns while a callback is running. */
async function pollAll(members: Member[], ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ok() && Date.now() < deadline; ) {
    await Promise.all(members.map((m) => m.c.poll(100, 100)));
    for (const m of members) expect(m.l.busy()).toBe(false);
  }
  expect(ok()).toBe(true);
}

/** Polls every member for `ms`, so that any rebalance still due shows in the events. */
async function keepPolling(members: Member[], ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) await Promise.all(members.map((m) => m.c.poll(100, 100)));
}

const numbers = (c: Consumer, topic: string) =>
  c
    .assignment()
    .filter((tp) => tp.topic === topic)
    .map((tp) => tp.partition)
    .sort();

describe('Kafka consumer group membership', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  async function topics(partitions: number, ...names: string[]): Promise<string[]> {
    const list = names.map((n) => uniqueName(n));
    await transport.admin().createTopics(list.map((name) => ({ name, partitions, replication: 1, config: {} })));
    return list;
  }

  async function join(opts: ConsumerOptions, subscribe: string[], delayMs = 300): Promise<Member> {
    const c = transport.consumer(opts);
    const l = slowListener(delayMs);
    await c.subscribe(subscribe, l.listener);
    return { c, l };
  }

  it('rebalances incrementally, keeps co-partitioned topics together and awaits the callbacks', async () => {
    const [a, b] = await topics(4, 'rb-a', 'rb-b');
    const opts: ConsumerOptions = { groupId: uniqueName('g'), isolation: 'read_committed', autoOffsetReset: 'earliest', copartitioned: [[a!, b!]] };
    const m1 = await join(opts, [a!, b!]);
    await pollAll([m1], () => m1.c.assignment().length === 8);
    expect(m1.l.events).toEqual(['assigned:8']);

    const m2 = await join(opts, [a!, b!]);
    await pollAll([m1, m2], () => m1.c.assignment().length === 4 && m2.c.assignment().length === 4);
    // Incremental: the first member gave up only what moved, and never everything.
    expect(m1.l.events).toEqual(['assigned:8', 'revoked:4']);
    expect(m2.l.events).toEqual(['assigned:4']);
    expect(m1.l.owned()).toHaveLength(4);
    for (const { c } of [m1, m2]) {
      // Partition n of both topics on one member.
      expect(numbers(c, a!)).toEqual(numbers(c, b!));
      expect(numbers(c, a!)).toHaveLength(2);
    }
    const all = [...m1.c.assignment(), ...m2.c.assignment()].map((tp) => `${tp.topic}:${tp.partition}`);
    expect(new Set(all).size).toBe(8);

    // A dynamic member leaves the group when it closes: the survivor takes its partitions, and only those.
    await m2.c.close();
    await pollAll([m1], () => m1.c.assignment().length === 8);
    expect(m1.l.events).toEqual(['assigned:8', 'revoked:4', 'assigned:4']);
    expect(numbers(m1.c, a!)).toEqual([0, 1, 2, 3]);
    expect(numbers(m1.c, b!)).toEqual([0, 1, 2, 3]);
    await m1.c.close();
  }, 90_000);

  it('gives a static member restarted within the session timeout its own partitions back, with no rebalance', async () => {
    const [a, b, c] = await topics(4, 'st-a', 'st-b', 'st-c');
    const group = uniqueName('g');
    const opts = (instance: string): ConsumerOptions => ({
      groupId: group,
      groupInstanceId: instance,
      isolation: 'read_committed',
      autoOffsetReset: 'earliest',
      copartitioned: [[a!, b!]],
    });
    const m1 = await join(opts('i1'), [a!, b!, c!], 0);
    const m2 = await join(opts('i2'), [a!, b!, c!], 0);
    await pollAll([m1, m2], () => m1.c.assignment().length + m2.c.assignment().length === 12 && m1.c.assignment().length > 0 && m2.c.assignment().length > 0);
    await keepPolling([m1, m2], 2_000);
    const before = {
      events: [...m1.l.events],
      i2: m2.c
        .assignment()
        .map((tp) => `${tp.topic}:${tp.partition}`)
        .sort(),
    };
    const described = await transport.admin().describeGroup(group);
    expect(described.state).toBe('stable');
    expect(described.members.map((m) => m.instanceId).sort()).toEqual(['i1', 'i2']);

    await m2.c.close(); // a static member does not leave the group
    const stoppedAt = Date.now();
    let m2b: Member | undefined;
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 1_500)); // the "restart" of the process
      m2b = await join(opts('i2'), [a!, b!, c!], 0);
    })();
    // The survivor polls on meanwhile and sees nothing happen.
    await pollAll([m1], () => m2b !== undefined, 20_000);
    await restart;
    await pollAll([m1, m2b!], () => m2b!.c.assignment().length > 0, 20_000);
    const back = m2b!.c
      .assignment()
      .map((tp) => `${tp.topic}:${tp.partition}`)
      .sort();
    expect(back).toEqual(before.i2);
    expect(m2b!.l.events).toEqual([`assigned:${before.i2.length}`]);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    await keepPolling([m1, m2b!], 3_000);
    expect(m1.l.events).toEqual(before.events);
    await m1.c.close();
    await m2b!.c.close();
  }, 90_000);

  it('fences a static member still running when another joins with its group.instance.id: every later poll fails with TRANSPORT_FENCED', async () => {
    const [a] = await topics(2, 'st-fence');
    const opts: ConsumerOptions = { groupId: uniqueName('g'), groupInstanceId: 'twin', isolation: 'read_committed', autoOffsetReset: 'earliest' };
    const zombie = await join(opts, [a!], 0);
    await pollAll([zombie], () => zombie.c.assignment().length === 2);
    const successor = await join(opts, [a!], 0);
    // The zombie learns it at its next heartbeat: librdkafka reports it once, as a bare "Local: Fatal error".
    let failure: unknown;
    for (const deadline = Date.now() + 20_000; failure === undefined && Date.now() < deadline; ) {
      await Promise.all([zombie.c.poll(100, 100).catch((err: unknown) => void (failure = err)), successor.c.poll(100, 100)]);
    }
    expect(failure).toBeInstanceOf(AuraError);
    expect((failure as AuraError).code).toBe(ErrorCodes.TRANSPORT_FENCED);
    expect((failure as AuraError).message).toMatch(/consumer fenced: another member joined the group with group.instance.id "twin"/);
    // Not a hiccup to retry: the next polls fail the same way.
    await expect(zombie.c.poll(100, 100)).rejects.toBe(failure);
    await pollAll([successor], () => successor.c.assignment().length === 2);
    await zombie.c.close().catch(() => undefined);
    await successor.c.close();
  }, 60_000);
});
