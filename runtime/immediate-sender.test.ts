/**
 * The `delivery: immediate` sender on the embedded log: a flush waits for
 * what was pending and fails only when a send failed — records produced while
 * its batch was on the way go with the next batch and are no failure (a flush
 * that threw then failed the commit with `undefined`). Each acknowledged batch
 * is handed to `sent`, in order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { OutgoingRecord, Transport } from '../transports/types.js';
import { ImmediateSender } from './immediate-sender.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The embedded transport whose producers wait for `gate.open()` before each send, and fail the next `gate.failures` sends. */
function gated(inner: Transport) {
  const gate = { waiting: [] as Array<() => void>, failures: 0 };
  const transport: Transport = {
    ...inner,
    connect: () => inner.connect(),
    admin: () => inner.admin(),
    partitionFor: (k, n) => inner.partitionFor(k, n),
    close: () => inner.close(),
    consumer: (o) => inner.consumer(o),
    producer(options) {
      const p = inner.producer(options);
      const send = p.send.bind(p);
      p.send = async (records) => {
        await new Promise<void>((resolve) => gate.waiting.push(resolve));
        if (gate.failures > 0) {
          gate.failures--;
          throw new Error('Broker: Not enough replicas');
        }
        return send(records);
      };
      return p;
    },
  };
  return { transport, gate, openAll: () => gate.waiting.splice(0).forEach((r) => r()) };
}

describe('ImmediateSender', () => {
  it('does not fail a flush for records added while its batch was on the way, and fails it when a send failed', { timeout: 20_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-immediate-'));
    dirs.push(dir);
    const inner = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    await inner.admin().createTopics([{ name: 'chunks', partitions: 1, replication: 1, config: {} }]);
    const { transport, gate, openAll } = gated(inner);
    const sent: string[][] = [];
    const sender = new ImmediateSender(transport, 'test', createLogger('immediate', 'silent'), (batch) => sent.push(batch.map((r) => r.key!)));
    const record = (key: string): OutgoingRecord => ({ topic: 'chunks', partition: 0, key, value: Buffer.from(key) });
    const until = async (cond: () => boolean) => {
      for (const deadline = Date.now() + 5000; !cond() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    };

    sender.add(record('a'));
    sender.add(record('b'));
    const flushed = sender.flush();
    await until(() => gate.waiting.length === 1); // [a, b] is with the log
    sender.add(record('c')); // produced meanwhile: belongs to the next batch
    openAll();
    await expect(flushed).resolves.toBeUndefined();
    expect(sent).toEqual([['a', 'b']]);
    await until(() => gate.waiting.length === 1); // [c], sent on the next tick
    openAll();
    await until(() => sent.length === 2);

    // A failed send: the flush fails with its error; the records are kept and go with a later flush, in order.
    gate.failures = 2; // the explicit flush's send, then the retry of the one add() scheduled
    sender.add(record('d'));
    const failed = sender.flush();
    await until(() => gate.waiting.length === 1);
    openAll();
    await expect(failed).rejects.toThrow(/Not enough replicas/);
    await until(() => gate.waiting.length === 1);
    openAll();
    await until(() => gate.failures === 0);
    sender.add(record('e'));
    const retried = sender.flush();
    await until(() => gate.waiting.length === 1);
    openAll();
    await expect(retried).resolves.toBeUndefined();
    expect(sent).toEqual([['a', 'b'], ['c'], ['d', 'e']]);

    const reader = inner.consumer({ isolation: 'read_committed' });
    await reader.assign([{ topic: 'chunks', partition: 0, offset: 0 }]);
    expect((await reader.poll(100, 100)).map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await reader.close();
    const closing = sender.close();
    openAll();
    await closing;
    await inner.close();
  });
});
