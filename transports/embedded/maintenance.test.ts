import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempLog, tempLog, text, topic, value } from '../../testing/support/embedded-log.js';

let log: TempLog;
beforeEach(() => {
  log = tempLog();
});
afterEach(async () => {
  await log.cleanup();
});

const HOUR = 3600_000;
const T0 = 1_700_000_000_000;

async function readAll(topicName: string, partition = 0) {
  const c = log.transport.consumer({ isolation: 'read_committed' });
  await c.assign([{ topic: topicName, partition, offset: 0 }]);
  const out = [];
  for (;;) {
    const batch = await c.poll(1000, 20);
    if (batch.length === 0) break;
    out.push(...batch);
  }
  const position = c.position({ topic: topicName, partition });
  await c.close();
  return { records: out, position };
}

describe('embedded log: retention and compaction', () => {
  it('deletes records older than retention.ms from the head of the log, keeping offsets', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('events', 1, { 'cleanup.policy': 'delete', 'retention.ms': String(2 * HOUR) })]);
    const producer = t.producer({});
    // Offsets 0-2 are old, 3-4 young, 5 old again (out of order timestamps: Kafka keeps it, it sits behind a young one).
    const stamps = [T0, T0 + 1, T0 + 2, T0 + 3 * HOUR, T0 + 3 * HOUR, T0];
    await producer.send(stamps.map((ts, i) => ({ topic: 'events', partition: 0, key: `k${i}`, value: value(`v${i}`), timestamp: ts })));

    const result = t.maintain(T0 + 2 * HOUR + 10);
    expect(result.expired).toBe(3);
    const { records, position } = await readAll('events');
    expect(records.map((r) => r.offset)).toEqual([3, 4, 5]);
    expect(position).toBe(6);
    const c = t.consumer({ isolation: 'read_committed' });
    expect(await c.beginningOffsets([{ topic: 'events', partition: 0 }])).toEqual([{ topic: 'events', partition: 0, offset: 3 }]);

    // Everything expires: the log is empty but offsets carry on.
    t.maintain(T0 + 10 * HOUR);
    expect(await c.beginningOffsets([{ topic: 'events', partition: 0 }])).toEqual([{ topic: 'events', partition: 0, offset: 6 }]);
    const [m] = await producer.send([{ topic: 'events', partition: 0, key: 'n', value: value('n') }]);
    expect(m!.offset).toBe(6);
  });

  it('keeps retention.ms=-1 topics forever and defaults to 7 days', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('forever', 1, { 'retention.ms': '-1' }), topic('default', 1)]);
    const producer = t.producer({});
    for (const name of ['forever', 'default']) await producer.send([{ topic: name, partition: 0, key: 'k', value: value('v'), timestamp: T0 }]);
    t.maintain(T0 + 6 * 24 * HOUR);
    expect((await readAll('default')).records).toHaveLength(1);
    t.maintain(T0 + 8 * 24 * HOUR);
    expect((await readAll('default')).records).toHaveLength(0);
    expect((await readAll('forever')).records).toHaveLength(1);
  });

  it('compacts to the latest record per key and drops tombstones after delete.retention.ms', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('table', 1, { 'cleanup.policy': 'compact', 'delete.retention.ms': String(HOUR) })]);
    const producer = t.producer({});
    const rows: Array<[string, string | null, number]> = [
      ['a', 'a1', T0],
      ['b', 'b1', T0],
      ['a', 'a2', T0 + 1],
      ['c', 'c1', T0 + 2],
      ['b', null, T0 + 3], // tombstone for b
      ['a', 'a3', T0 + 4],
      ['d', null, T0 + 5 * HOUR], // a recent tombstone
    ];
    await producer.send(rows.map(([key, v, ts]) => ({ topic: 'table', partition: 0, key, value: v === null ? null : value(v), timestamp: ts })));

    // Superseded: a1, a2 (by a3) and b1 (by its tombstone). Tombstones are still young.
    expect(t.maintain(T0 + 10).compacted).toBe(3);
    let read = await readAll('table');
    expect(read.records.map((r) => [r.offset, r.key, text(r)])).toEqual([
      [3, 'c', 'c1'],
      [4, 'b', null],
      [5, 'a', 'a3'],
      [6, 'd', null],
    ]);
    expect(read.position).toBe(7);

    // An hour later b's tombstone has served its purpose; d's is still recent.
    expect(t.maintain(T0 + 2 * HOUR).compacted).toBe(1);
    expect((await readAll('table')).records.map((r) => r.offset)).toEqual([3, 5, 6]);
    t.maintain(T0 + 7 * HOUR);
    read = await readAll('table');
    expect(read.records.map((r) => [r.key, text(r)])).toEqual([
      ['c', 'c1'],
      ['a', 'a3'],
    ]);
    // Offsets were never renumbered; the log end is where it was.
    expect(read.records.map((r) => r.offset)).toEqual([3, 5]);
    expect(read.position).toBe(7);
    const [m] = await producer.send([{ topic: 'table', partition: 0, key: 'e', value: value('e1') }]);
    expect(m!.offset).toBe(7);
  });

  it('leaves records of open transactions alone', async () => {
    const t = log.transport;
    await t.admin().createTopics([topic('table', 1, { 'cleanup.policy': 'compact,delete', 'retention.ms': String(HOUR) })]);
    const plain = t.producer({});
    await plain.send([{ topic: 'table', partition: 0, key: 'a', value: value('a1'), timestamp: T0 }]);
    const txp = t.producer({ transactionalId: 'tx' });
    await txp.beginTransaction();
    await txp.send([{ topic: 'table', partition: 0, key: 'a', value: value('a2'), timestamp: T0 }]);
    // Neither retention nor compaction may look past the last stable offset (offset 1).
    const result = t.maintain(T0 + 10);
    expect(result).toEqual({ expired: 0, compacted: 0 });
    await txp.abortTransaction();
    expect((await readAll('table')).records.map(text)).toEqual(['a1']);

    await txp.beginTransaction();
    await txp.send([{ topic: 'table', partition: 0, key: 'b', value: value('b1'), timestamp: T0 }]);
    // Both records are past retention, only the one below the last stable offset may go.
    expect(t.maintain(T0 + 2 * HOUR).expired).toBe(1);
    await txp.commitTransaction();
    expect((await readAll('table')).records.map(text)).toEqual(['b1']);
  });
});
