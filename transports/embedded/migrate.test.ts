import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import type { LogRecord, TopicPartition } from '../types.js';
import { type PackedRecord, packBatch, unpackAll } from './batch-codec.js';
import { createEmbeddedTransport, type EmbeddedTransport } from './index.js';

// log-v1.db was written by the build of schema version 1 (a row per record), log-v1.json is what
// that build read back from it (fixtures/make-log-v1.ts).
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'log-v1.json'), 'utf8'));
const tps: TopicPartition[] = [0, 1, 2].map((partition) => ({ topic: 'events', partition })).concat([{ topic: 'table', partition: 0 }]);

const dirs: string[] = [];
const opened: EmbeddedTransport[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close().catch(() => undefined);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function copyOfV1(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-log-v1-'));
  dirs.push(dir);
  const file = path.join(dir, 'log.db');
  fs.copyFileSync(path.join(FIXTURES, 'log-v1.db'), file);
  return file;
}

async function open(file: string, tailBytes?: number): Promise<EmbeddedTransport> {
  const t = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0, tailBytes });
  opened.push(t);
  await t.connect();
  return t;
}

async function readAll(t: EmbeddedTransport, isolation: 'read_committed' | 'read_uncommitted', limit = 1000) {
  const c = t.consumer({ isolation });
  await c.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
  const out: LogRecord[] = [];
  for (;;) {
    const got = await c.poll(limit, 50);
    if (got.length === 0) break;
    out.push(...got);
  }
  await c.close();
  return out.map((r) => ({ ...r, value: r.value === null ? null : r.value.toString('base64') }));
}

const byPosition = (records: Array<{ topic: string; partition: number; offset: number }>) =>
  [...records].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);

describe('embedded log: a file of schema version 1 (a row per record)', () => {
  it('is converted on open: every record, offset, end, time lookup and group offset reads as the old build read it', async () => {
    const file = copyOfV1();
    const t = await open(file, 0);
    expect(new Database(file, { readonly: true }).pragma('user_version', { simple: true })).toBe(2);
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
      const key = isolation === 'read_committed' ? 'committed' : 'uncommitted';
      expect(byPosition(await readAll(t, isolation))).toEqual(byPosition(expected[key]));
      // Small polls: reads that start and stop inside batches.
      expect(byPosition(await readAll(t, isolation, 3))).toEqual(byPosition(expected[key]));
    }
    const admin = t.admin();
    expect(await admin.offsetsFor(tps, 'earliest')).toEqual(expected.earliest);
    expect(await admin.offsetsFor(tps, 'latest')).toEqual(expected.latest);
    expect(await admin.offsetsFor(tps, { timestamp: 1_700_000_000_000 + 500_000 })).toEqual(expected.atTime);
    expect(await admin.groupOffsets('g', tps)).toEqual(expected.groupOffsets);
  });

  it('goes on after the conversion: appends continue the offsets, compaction and a reopen keep every record', async () => {
    const file = copyOfV1();
    const t = await open(file);
    const before = await readAll(t, 'read_committed');
    const producer = t.producer({});
    const metas = await producer.send([
      { topic: 'events', partition: 0, key: 'new', value: Buffer.from('after') },
      { topic: 'table', partition: 0, key: 'k0', value: Buffer.from('newest') },
    ]);
    const latest = Object.fromEntries(expected.latest.map((o: { topic: string; offset: number }) => [o.topic, o.offset]));
    expect(metas.map((m) => m.offset)).toEqual([expected.latest[0].offset, latest.table]);
    // k0's older value goes; everything else of the table stays.
    t.maintain(1_700_000_000_000 + 3 * 3600_000);
    const after = await readAll(t, 'read_committed');
    const k0 = before.filter((r) => r.topic === 'table' && r.key === 'k0');
    expect(k0).toHaveLength(1);
    const wanted = byPosition([...before.filter((r) => r !== k0[0]), ...after.filter((r) => r.key === 'new' || (r.topic === 'table' && r.key === 'k0'))]);
    expect(byPosition(after)).toEqual(wanted);
    await t.close();
    const again = await open(file, 0);
    expect(byPosition(await readAll(again, 'read_committed'))).toEqual(wanted);
  });

  it('refuses a file of a version it does not know, with a clear error', async () => {
    const file = copyOfV1();
    const db = new Database(file);
    db.pragma('user_version = 9');
    db.close();
    const err = await open(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).message).toMatch(/schema version 9, this build reads version 2/);
  });
});

describe('embedded log: record batches', () => {
  const record = fc.record({
    gap: fc.nat(1000),
    key: fc.option(fc.string({ unit: 'binary' }), { nil: null }),
    value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
    timestamp: fc.oneof(fc.integer({ min: -1e15, max: 1e15 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
    headers: fc.option(
      fc.dictionary(fc.string(), fc.string()).map((h) => JSON.stringify(h)),
      { nil: null },
    ),
  });

  it('unpack(pack(records)) gives the records back, byte for byte', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.array(record, { minLength: 1, maxLength: 50 }), (base, rs) => {
        let offset = base;
        const records: PackedRecord[] = rs.map((r, i) => ({
          offset: (offset += i === 0 ? 0 : r.gap + 1),
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: r.headers,
        }));
        const { blob, meta } = packBatch(records);
        const copy = Buffer.from(blob); // the blob is a view of a buffer the next pack reuses
        expect(meta).toEqual({
          first: base,
          last: records[records.length - 1]!.offset,
          count: records.length,
          nulls: records.filter((r) => r.value === null).length,
          tsMin: Math.min(...records.map((r) => r.timestamp)),
          tsMax: Math.max(...records.map((r) => r.timestamp)),
        });
        const back = unpackAll(copy, base);
        expect(back.map((r) => ({ ...r, value: r.value === null ? null : Buffer.from(r.value) }))).toEqual(
          records.map((r) => ({ ...r, value: r.value === null ? null : Buffer.from(r.value) })),
        );
      }),
    );
  });
});
