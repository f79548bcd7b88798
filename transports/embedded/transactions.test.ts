import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { pollN, type TempLog, tempLog, text, topic, value } from '../../testing/support/embedded-log.js';
import type { Consumer } from '../types.js';
import { createEmbeddedTransport } from './index.js';

let log: TempLog;
beforeEach(async () => {
  log = tempLog();
  await log.transport.admin().createTopics([topic('in', 2), topic('out', 2)]);
});
afterEach(async () => {
  await log.cleanup();
});

const noop = { onAssigned: async () => {}, onRevoked: async () => {} };
const errorCode = (err: unknown) => (err instanceof AuraError ? err.code : String(err));
const reader = async (isolation: 'read_committed' | 'read_uncommitted'): Promise<Consumer> => {
  const c = log.transport.consumer({ isolation });
  await c.assign([0, 1].map((partition) => ({ topic: 'out', partition, offset: 0 })));
  return c;
};

describe('embedded log: transactions', () => {
  it('makes records and group offsets visible together at commit', async () => {
    const t = log.transport;
    const group = t.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await group.subscribe(['in'], noop);
    await group.poll(1, 0); // joins, gets both partitions
    const producer = t.producer({ transactionalId: 'app-1' });
    const committed = await reader('read_committed');
    const uncommitted = await reader('read_uncommitted');

    await producer.beginTransaction();
    const metas = await producer.send([
      { topic: 'out', partition: 0, key: 'a', value: value('a1') },
      { topic: 'out', partition: 1, key: 'b', value: value('b1') },
    ]);
    expect(metas.map((m) => m.offset)).toEqual([0, 0]);
    await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 7 }], group.groupMetadata());

    // Open: read_committed sees nothing (end offset = LSO = 0), read_uncommitted sees the records,
    // and the group offset is not committed yet.
    expect(await committed.poll(10, 20)).toEqual([]);
    expect((await committed.endOffsets([{ topic: 'out', partition: 0 }]))[0]!.offset).toBe(0);
    expect((await uncommitted.endOffsets([{ topic: 'out', partition: 0 }]))[0]!.offset).toBe(1);
    expect((await pollN(uncommitted, 2)).map(text).sort()).toEqual(['a1', 'b1']);
    expect((await group.committed([{ topic: 'in', partition: 0 }]))[0]!.offset).toBe(-1);

    await producer.commitTransaction();
    expect((await pollN(committed, 2)).map(text).sort()).toEqual(['a1', 'b1']);
    expect((await group.committed([{ topic: 'in', partition: 0 }]))[0]!.offset).toBe(7);
  });

  it('never shows aborted records to read_committed consumers, and steps over their offsets', async () => {
    const t = log.transport;
    const producer = t.producer({ transactionalId: 'app-1' });
    const plain = t.producer({});
    const committed = await reader('read_committed');

    await producer.beginTransaction();
    await producer.send([{ topic: 'out', partition: 0, key: 'x', value: value('aborted-1') }]);
    // A non-transactional write after the open transaction waits behind the LSO.
    await plain.send([{ topic: 'out', partition: 0, key: 'y', value: value('plain') }]);
    await producer.send([{ topic: 'out', partition: 0, key: 'x', value: value('aborted-2') }]);
    expect(await committed.poll(10, 20)).toEqual([]);
    await producer.abortTransaction();

    await producer.beginTransaction();
    await producer.send([{ topic: 'out', partition: 0, key: 'x', value: value('kept') }]);
    await producer.commitTransaction();

    const got = await pollN(committed, 2);
    expect(got.map((r) => [r.offset, text(r)])).toEqual([
      [1, 'plain'],
      [3, 'kept'],
    ]);
    expect(committed.position({ topic: 'out', partition: 0 })).toBe(4);
    // Even a read_uncommitted reader starting now finds the aborted records gone.
    const late = await reader('read_uncommitted');
    expect((await pollN(late, 2)).map(text)).toEqual(['plain', 'kept']);
  });

  it('fences a zombie producer when a new one takes its transactional id, aborting its open transaction', async () => {
    const t = log.transport;
    const zombie = t.producer({ transactionalId: 'app-1' });
    await zombie.beginTransaction();
    await zombie.send([{ topic: 'out', partition: 0, key: 'z', value: value('zombie') }]);

    const successor = t.producer({ transactionalId: 'app-1' });
    for (const call of [
      () => zombie.commitTransaction(),
      () => zombie.send([{ topic: 'out', partition: 0, key: 'z', value: value('again') }]),
      () => zombie.beginTransaction(),
      () => zombie.abortTransaction(),
    ]) {
      expect(errorCode(await call().catch((e: unknown) => e))).toBe('TRANSPORT_FENCED');
    }
    await successor.beginTransaction();
    await successor.send([{ topic: 'out', partition: 0, key: 's', value: value('successor') }]);
    await successor.commitTransaction();
    const committed = await reader('read_committed');
    expect((await pollN(committed, 1)).map(text)).toEqual(['successor']);
    expect(await committed.poll(10, 20)).toEqual([]);
  });

  it('fences offsets sent with stale group metadata (older generation, or a member that left)', async () => {
    const t = log.transport;
    const c1 = t.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await c1.subscribe(['in'], noop);
    await c1.poll(1, 0);
    const stale = c1.groupMetadata() as { generation: number };
    const c2 = t.consumer({ groupId: 'app', isolation: 'read_committed', autoOffsetReset: 'earliest' });
    await c2.subscribe(['in'], noop);
    await Promise.all([c1.poll(1, 50), c2.poll(1, 50)]); // both sync to the new generation
    expect((c1.groupMetadata() as { generation: number }).generation).toBeGreaterThan(stale.generation);

    const producer = t.producer({ transactionalId: 'app-1' });
    await producer.beginTransaction();
    const err = await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1 }], stale).catch((e: unknown) => e);
    expect(errorCode(err)).toBe('TRANSPORT_FENCED');
    await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1 }], c1.groupMetadata());

    const left = c2.groupMetadata();
    await c2.close();
    expect(errorCode(await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 1, offset: 1 }], left).catch((e: unknown) => e))).toBe(
      'TRANSPORT_FENCED',
    );
    await producer.commitTransaction();
    expect((await c1.committed([{ topic: 'in', partition: 0 }]))[0]!.offset).toBe(1);
  });

  it('refuses transactional calls in the wrong state', async () => {
    const t = log.transport;
    const txp = t.producer({ transactionalId: 'x' });
    const plain = t.producer({});
    const codes = await Promise.all([
      txp.send([{ topic: 'out', key: 'k', value: null }]).catch(errorCode),
      txp.commitTransaction().catch(errorCode),
      plain.beginTransaction().catch(errorCode),
    ]);
    expect(codes).toEqual(['TRANSPORT_FAILED', 'TRANSPORT_FAILED', 'TRANSPORT_FAILED']);
    await txp.beginTransaction();
    expect(errorCode(await txp.beginTransaction().catch((e: unknown) => e))).toBe('TRANSPORT_FAILED');
  });

  it('aborts a transaction left open by a crash when the log is reopened', async () => {
    const t1 = log.transport;
    const producer = t1.producer({ transactionalId: 'app-1' });
    await producer.beginTransaction();
    await producer.send([{ topic: 'out', partition: 1, key: 'k', value: value('in-flight') }]);
    await t1.producer({}).send([{ topic: 'out', partition: 1, key: 'k', value: value('plain') }]);
    t1.db.close(); // the process dies: no abort, no cleanup

    const t2 = createEmbeddedTransport({ path: log.file, maintenanceIntervalMs: 0 });
    try {
      const c = t2.consumer({ isolation: 'read_committed' });
      await c.assign([{ topic: 'out', partition: 1, offset: 0 }]);
      expect((await pollN(c, 1)).map((r) => [r.offset, text(r)])).toEqual([[1, 'plain']]);
      expect(await c.poll(10, 20)).toEqual([]);
      expect(await c.endOffsets([{ topic: 'out', partition: 1 }])).toEqual([{ topic: 'out', partition: 1, offset: 2 }]);
    } finally {
      await t2.close();
    }
  });
});
