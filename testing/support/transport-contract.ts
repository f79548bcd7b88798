/**
 * What a Transport does for a client that does not own the log — the gateway's side: publish
 * and its acknowledgement, read_committed reading by assignment (no group), seek/position, end
 * and beginning offsets, a poll woken by a send, admin. One suite, run against the embedded
 * transport in this thread and against the same log served from another thread
 * (transports/thread/thread-contract.test.ts), so the proxy is held to the real thing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Consumer, LogRecord, Transport } from '../../transports/types.js';

export interface ContractSubject {
  transport: Transport;
  cleanup(): Promise<void>;
}

const bytes = (s: string) => Buffer.from(s);
const texts = (rs: LogRecord[]) => rs.map((r) => r.value?.toString() ?? null);

async function pollUntil(c: Consumer, n: number, ms = 5_000): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const until = Date.now() + ms;
  while (out.length < n && Date.now() < until) out.push(...(await c.poll(n - out.length, 50)));
  return out;
}

export function describeTransportContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`transport contract: ${name}`, () => {
    let s: ContractSubject;
    beforeEach(async () => {
      s = await open();
      await s.transport.connect();
      await s.transport.admin().createTopics([{ name: 't', partitions: 2, replication: 1, config: {} }]);
    });
    afterEach(async () => s.cleanup());

    it('acknowledges a send with offsets; an assigned read_committed consumer reads it back, bytes, keys and headers intact', async () => {
      const p = s.transport.producer({});
      const metas = await p.send([
        { topic: 't', partition: 0, key: 'a', value: bytes('a0'), headers: { h: '1' }, timestamp: 1000 },
        { topic: 't', partition: 0, key: null, value: null },
        { topic: 't', partition: 1, key: 'b', value: Buffer.from([0, 255, 7]) },
      ]);
      expect(metas).toEqual([
        { topic: 't', partition: 0, offset: 0 },
        { topic: 't', partition: 0, offset: 1 },
        { topic: 't', partition: 1, offset: 0 },
      ]);
      const c = s.transport.consumer({ isolation: 'read_committed' });
      await c.assign([
        { topic: 't', partition: 0, offset: 0 },
        { topic: 't', partition: 1, offset: 0 },
      ]);
      const got = await pollUntil(c, 3);
      const p0 = got.filter((r) => r.partition === 0);
      expect(p0.map((r) => [r.offset, r.key, r.value?.toString() ?? null])).toEqual([
        [0, 'a', 'a0'],
        [1, null, null],
      ]);
      expect(p0[0]!.headers).toEqual({ h: '1' });
      expect(p0[0]!.timestamp).toBe(1000);
      const p1 = got.find((r) => r.partition === 1)!;
      expect(Buffer.isBuffer(p1.value)).toBe(true);
      expect([...p1.value!]).toEqual([0, 255, 7]);
      expect(
        c
          .assignment()
          .map((tp) => `${tp.topic}:${tp.partition}`)
          .sort(),
      ).toEqual(['t:0', 't:1']);
      expect(c.position({ topic: 't', partition: 0 })).toBe(2);
      await c.close();
      await p.close();
    });

    it('shows a transaction to read_committed only once committed, an aborted one never', async () => {
      const p = s.transport.producer({ transactionalId: 'contract-1' });
      const c = s.transport.consumer({ isolation: 'read_committed' });
      await c.assign([{ topic: 't', partition: 0, offset: 0 }]);
      await p.beginTransaction();
      await p.send([{ topic: 't', partition: 0, key: 'k', value: bytes('aborted') }]);
      await p.abortTransaction();
      const stable = (await c.endOffsets([{ topic: 't', partition: 0 }]))[0]!.offset;
      await p.beginTransaction();
      await p.send([{ topic: 't', partition: 0, key: 'k', value: bytes('committed') }]);
      expect(await c.poll(10, 50)).toEqual([]);
      // The last stable offset does not move past an open transaction.
      expect((await c.endOffsets([{ topic: 't', partition: 0 }]))[0]!.offset).toBe(stable);
      await p.commitTransaction();
      expect(texts(await pollUntil(c, 1))).toEqual(['committed']);
      expect(await c.poll(10, 50)).toEqual([]);
      await c.close();
      await p.close();
    });

    it('seeks back and reads again from there; beginning and end offsets', async () => {
      const p = s.transport.producer({});
      await p.send(['x', 'y', 'z'].map((v) => ({ topic: 't', partition: 1, key: v, value: bytes(v) })));
      const c = s.transport.consumer({ isolation: 'read_committed' });
      await c.assign([{ topic: 't', partition: 1, offset: 0 }]);
      expect(texts(await pollUntil(c, 3))).toEqual(['x', 'y', 'z']);
      c.seek({ topic: 't', partition: 1, offset: 1 });
      expect(c.position({ topic: 't', partition: 1 })).toBe(1);
      expect(texts(await pollUntil(c, 2))).toEqual(['y', 'z']);
      expect(await c.beginningOffsets([{ topic: 't', partition: 1 }])).toEqual([{ topic: 't', partition: 1, offset: 0 }]);
      expect(await c.endOffsets([{ topic: 't', partition: 1 }])).toEqual([{ topic: 't', partition: 1, offset: 3 }]);
      await c.close();
      await p.close();
    });

    it('wakes a waiting poll when a record is sent', async () => {
      const c = s.transport.consumer({ isolation: 'read_committed' });
      await c.assign([{ topic: 't', partition: 0, offset: 0 }]);
      const started = performance.now();
      const waiting = c.poll(10, 5_000);
      await new Promise((r) => setTimeout(r, 50));
      const p = s.transport.producer({});
      await p.send([{ topic: 't', partition: 0, key: 'w', value: bytes('woken') }]);
      expect(texts(await waiting)).toEqual(['woken']);
      // Woken by the send, not by the poll's timeout.
      expect(performance.now() - started).toBeLessThan(2_500);
      await c.close();
      await p.close();
    });

    it('admin: lists the topics it created; refuses an existing one with TOPIC_EXISTS', async () => {
      const admin = s.transport.admin();
      const listed = await admin.listTopics();
      expect(listed.find((t) => t.name === 't')?.partitions).toBe(2);
      await expect(admin.createTopics([{ name: 't', partitions: 2, replication: 1, config: {} }])).rejects.toMatchObject({ code: 'TOPIC_EXISTS' });
      expect(s.transport.partitionFor('user-1', 6)).toBe(s.transport.partitionFor('user-1', 6));
    });
  });
}
