/**
 * The in-memory tail against SQLite: the same operations on a log with a small tail (evicting all
 * the time) and on one without, every read compared record by record; then both files reopened
 * (SQLite alone) and compared in full.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer, LogRecord, Producer, TopicConfig } from '../types.js';
import { createEmbeddedTransport, type EmbeddedTransport } from './index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-log-tail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const open = (file: string, tailBytes: number) => createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0, tailBytes });

const TOPICS: TopicConfig[] = [
  { name: 'd', partitions: 2, replication: 1, config: { 'retention.ms': '1000' } },
  { name: 'c', partitions: 2, replication: 1, config: { 'cleanup.policy': 'compact', 'delete.retention.ms': '1000' } },
];
const READERS = [
  { topic: 'd', isolation: 'read_committed' },
  { topic: 'd', isolation: 'read_uncommitted' },
  { topic: 'c', isolation: 'read_committed' },
  { topic: 'c', isolation: 'read_uncommitted' },
] as const;

interface Side {
  t: EmbeddedTransport;
  producers: Producer[];
  consumers: Consumer[];
}

async function side(file: string, tailBytes: number): Promise<Side> {
  const t = open(file, tailBytes);
  await t.admin().createTopics(TOPICS);
  const producers = [t.producer({ transactionalId: 'p0' }), t.producer({ transactionalId: 'p1' }), t.producer({})];
  const consumers: Consumer[] = [];
  for (const r of READERS) {
    const c = t.consumer({ isolation: r.isolation });
    await c.assign([0, 1].map((partition) => ({ topic: r.topic, partition, offset: 0 })));
    consumers.push(c);
  }
  return { t, producers, consumers };
}

/** Everything a reader can observe of a record. */
const plain = (r: LogRecord) => ({ ...r, value: r.value === null ? null : r.value.toString('latin1') });

const record = fc.record({
  topic: fc.constantFrom('d', 'c'),
  partition: fc.constantFrom(0, 1),
  key: fc.option(fc.constantFrom('a', 'b', 'c', 'é'), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
  timestamp: fc.integer({ min: 0, max: 3000 }),
  headers: fc.option(fc.dictionary(fc.constantFrom('h', 'trace'), fc.string({ maxLength: 5 }), { maxKeys: 2 }), { nil: undefined }),
});
const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('send' as const), producer: fc.constantFrom(0, 1, 2), records: fc.array(record, { minLength: 1, maxLength: 6 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('commit' as const, 'abort' as const), producer: fc.constantFrom(0, 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('poll' as const), consumer: fc.nat(3), max: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('seek' as const), consumer: fc.nat(3), partition: fc.constantFrom(0, 1), offset: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('maintain' as const), now: fc.integer({ min: 0, max: 5000 }) }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const served = { memory: 0, sqlite: 0 };

async function apply(s: Side, o: Op, open: boolean[]): Promise<LogRecord[] | string | undefined> {
  switch (o.kind) {
    case 'send': {
      const p = s.producers[o.producer]!;
      if (o.producer < 2 && !open[o.producer]) await p.beginTransaction();
      // Compacted topics refuse null keys: give them one.
      const records = o.records.map((r) => ({ ...r, key: r.topic === 'c' ? (r.key ?? 'k') : r.key, value: r.value === null ? null : Buffer.from(r.value) }));
      return JSON.stringify(await p.send(records));
    }
    case 'commit':
    case 'abort':
      if (!open[o.producer]) return undefined;
      if (o.kind === 'commit') await s.producers[o.producer]!.commitTransaction();
      else await s.producers[o.producer]!.abortTransaction();
      return undefined;
    case 'poll':
      return s.consumers[o.consumer]!.poll(o.max, 0);
    case 'seek':
      s.consumers[o.consumer]!.seek({ topic: READERS[o.consumer]!.topic, partition: o.partition, offset: o.offset });
      return undefined;
    case 'maintain':
      return JSON.stringify(s.t.maintain(o.now));
  }
}

/** Every record SQLite holds, read by a fresh transport (whose tail is empty). */
async function everything(file: string): Promise<unknown[]> {
  const t = open(file, 0);
  try {
    const c = t.consumer({ isolation: 'read_uncommitted' });
    await c.assign(TOPICS.flatMap((x) => [0, 1].map((partition) => ({ topic: x.name, partition, offset: 0 }))));
    const out: unknown[] = [];
    for (let batch = await c.poll(1000, 0); batch.length > 0; batch = await c.poll(1000, 0)) out.push(...batch.map(plain));
    return out;
  } finally {
    await t.close();
  }
}

describe('embedded log: the in-memory tail', () => {
  it('serves exactly what SQLite holds, across appends, commits, aborts, seeks, retention and compaction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 12_000 })),
        fc.array(op, { minLength: 1, maxLength: 80, size: 'medium' }),
        async (tailBytes, ops) => {
          const fileA = path.join(dir, `a${++files}.db`);
          const fileB = path.join(dir, `b${files}.db`);
          const a = await side(fileA, tailBytes);
          const b = await side(fileB, 0);
          const open = [false, false];
          try {
            for (const o of ops) {
              const [ra, rb] = [await apply(a, o, open), await apply(b, o, open)];
              if (o.kind === 'send' && o.producer < 2) open[o.producer] = true;
              if ((o.kind === 'commit' || o.kind === 'abort') && o.producer < 2) open[o.producer] = false;
              if (Array.isArray(ra) && Array.isArray(rb)) expect(ra.map(plain)).toEqual(rb.map(plain));
              else expect(ra).toEqual(rb);
              expect(a.t.log.tailBytes).toBeLessThanOrEqual(tailBytes);
            }
            expect(b.t.log.served.memory).toBe(0);
            served.memory += a.t.log.served.memory;
            served.sqlite += a.t.log.served.sqlite;
          } finally {
            await a.t.close();
            await b.t.close();
          }
          expect(await everything(fileA)).toEqual(await everything(fileB));
        },
      ),
      { numRuns: 60 },
    );
    // Both paths ran: records came from memory, and (evicted) from SQLite.
    expect(served.memory).toBeGreaterThan(100);
    expect(served.sqlite).toBeGreaterThan(100);
  }, 60_000);

  it('keeps within its bound and serves from memory what fits', async () => {
    const file = path.join(dir, `bound${++files}.db`);
    const t = open(file, 64 * 1024);
    try {
      await t.admin().createTopics([TOPICS[0]!]);
      const producer = t.producer({});
      const consumer = t.consumer({ isolation: 'read_committed' });
      await consumer.assign([{ topic: 'd', partition: 0, offset: 0 }]);
      const value = Buffer.alloc(1000, 1);
      for (let i = 0; i < 200; i++) {
        await producer.send([{ topic: 'd', partition: 0, key: `k${i}`, value, timestamp: i }]);
        expect(t.log.tailBytes).toBeLessThanOrEqual(64 * 1024);
      }
      expect(t.log.tailBytes).toBeGreaterThan(32 * 1024);
      // 200 KB appended, 64 KB kept: the oldest come from SQLite, the newest from memory.
      const got: LogRecord[] = [];
      for (let batch = await consumer.poll(500, 0); batch.length > 0; batch = await consumer.poll(500, 0)) got.push(...batch);
      expect(got.map((r) => r.offset)).toEqual([...Array(200).keys()]);
      expect(got.every((r) => r.value!.equals(value))).toBe(true);
      // The values read stay what they were while the tail evicts and reuses its memory.
      for (let i = 200; i < 400; i++) await producer.send([{ topic: 'd', partition: 0, key: `k${i}`, value: Buffer.alloc(1000, 2), timestamp: i }]);
      expect(got.every((r) => r.value!.equals(value))).toBe(true);
      expect(t.log.served.sqlite).toBeGreaterThan(100);
      expect(t.log.served.memory).toBeGreaterThan(30);
      expect(t.log.served.memory + t.log.served.sqlite).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('holds little for quiet partitions (segments grow with the traffic of their partition)', async () => {
    const t = open(path.join(dir, `quiet${++files}.db`), 64 * 1024 * 1024);
    try {
      await t.admin().createTopics([{ name: 'many', partitions: 50, replication: 1, config: {} }]);
      const producer = t.producer({});
      for (let partition = 0; partition < 50; partition++) await producer.send([{ topic: 'many', partition, key: 'k', value: Buffer.from('v') }]);
      // A full segment is ~340 KB; fifty first segments stay near 1 MB.
      expect(t.log.tailBytes).toBeGreaterThan(0);
      expect(t.log.tailBytes).toBeLessThan(2 * 1024 * 1024);
      const busy = Buffer.alloc(100);
      for (let i = 0; i < 100; i++) await producer.send(Array.from({ length: 100 }, () => ({ topic: 'many', partition: 0, key: 'k', value: busy })));
      const consumer = t.consumer({ isolation: 'read_committed' });
      await consumer.assign([{ topic: 'many', partition: 0, offset: 0 }]);
      let n = 0;
      for (let batch = await consumer.poll(5000, 0); batch.length > 0; batch = await consumer.poll(5000, 0)) n += batch.length;
      expect(n).toBe(10_001);
      expect(t.log.served).toEqual({ memory: 10_001, sqlite: 0 });
    } finally {
      await t.close();
    }
  });

  it('steps over a record larger than the whole tail and goes on serving the next ones', async () => {
    const t = open(path.join(dir, `huge${++files}.db`), 4000);
    try {
      await t.admin().createTopics([TOPICS[0]!]);
      const producer = t.producer({});
      const consumer = t.consumer({ isolation: 'read_committed' });
      await consumer.assign([{ topic: 'd', partition: 0, offset: 0 }]);
      // Small ones first, so that the partition's segments have grown past one record each.
      const values = ['a', 'b', 'c', 'd', 'e', 'f', 'x'.repeat(5000), 'g', 'h', 'i'];
      for (const v of values) await producer.send([{ topic: 'd', partition: 0, key: 'k', value: Buffer.from(v) }]);
      const got: LogRecord[] = [];
      for (let batch = await consumer.poll(10, 0); batch.length > 0; batch = await consumer.poll(10, 0)) got.push(...batch);
      expect(got.map((r) => [r.offset, r.value!.toString()])).toEqual(values.map((v, i) => [i, v]));
      expect(t.log.served.memory).toBe(3); // those after the large one; the rest were evicted or never held
    } finally {
      await t.close();
    }
  });

  it('keeps what was sent even when the sender reuses its Buffer', async () => {
    const t = open(path.join(dir, `copy${++files}.db`), 1 << 20);
    try {
      await t.admin().createTopics([TOPICS[0]!]);
      const consumer = t.consumer({ isolation: 'read_committed' });
      await consumer.assign([{ topic: 'd', partition: 0, offset: 0 }]);
      const buf = Buffer.from('first');
      await t.producer({}).send([{ topic: 'd', partition: 0, key: 'k', value: buf }]);
      buf.write('xxxxx');
      const [r] = await consumer.poll(1, 0);
      expect(r!.value!.toString()).toBe('first');
      expect(t.log.served.memory).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('refuses what SQLite would store differently from what was sent', async () => {
    const t = open(path.join(dir, `refuse${++files}.db`), 1 << 20);
    try {
      await t.admin().createTopics([TOPICS[0]!]);
      const producer = t.producer({});
      const bad = [
        { topic: 'd', partition: 0, key: 5 as unknown as string, value: null },
        { topic: 'd', partition: 0, key: 'k', value: null, timestamp: '12' as unknown as number },
        { topic: 'd', partition: 0, key: 'k', value: null, timestamp: Number.NaN },
      ];
      for (const r of bad) await expect(producer.send([r])).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    } finally {
      await t.close();
    }
  });
});
