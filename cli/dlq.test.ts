/**
 * `aura dlq replay` on the embedded log: a poison record dead-lettered by the
 * running default pipeline goes back to its source topic with its key, bytes,
 * headers and timestamp (and `aura.replayed-from`), and fails again into a new
 * dead letter that says it was a replay; the command's filters, dry run and
 * errors, through `main()` on a state directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { DLQ_HEADERS, deadLetter } from '../runtime/dead-letter.js';
import { topicConfig } from '../runtime/topics-plan.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { partitionForKey } from '../transports/murmur2.js';
import type { LogRecord, Transport } from '../transports/types.js';
import { REPLAYED_FROM_HEADER, replayDeadLetters } from './dlq-replay.js';
import { main } from './main.js';

const PIPELINE = path.resolve(import.meta.dirname, '../pipeline.yaml');

/** Every record of a topic, read_committed, to its end. */
async function readAll(transport: Transport, topic: string, partitions: number): Promise<LogRecord[]> {
  const reader = transport.consumer({ isolation: 'read_committed' });
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  try {
    const ends = await reader.endOffsets(tps);
    const out: LogRecord[] = [];
    await reader.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
    for (let i = 0; i < 50 && tps.some((tp) => (reader.position(tp) ?? 0) < ends[tp.partition]!.offset); i++) out.push(...(await reader.poll(1000, 20)));
    return out;
  } finally {
    await reader.close();
  }
}

describe('replaying dead letters of a running pipeline', () => {
  let driver: TopologyTestDriver;

  beforeAll(async () => {
    driver = await TopologyTestDriver.fromFile(PIPELINE, { env: { AURA_VECTOR_DB: ':memory:' }, resources: { embedder: createHashingEmbedder() } });
  }, 60_000);
  afterAll(async () => driver?.close());

  it('re-publishes the original key, bytes, headers and timestamp to the source topic; a second failure says it was a replay', async () => {
    const topic = driver.pipeline.topics.user_events!;
    const dlq = driver.pipeline.topics.dead_letters!;
    const partition = driver.transport.partitionFor('user-7', topic.partitions);
    const producer = driver.transport.producer({});
    const timestamp = driver.clock.now() - 5_000;
    const [meta] = await producer.send([
      { topic: topic.name, partition, key: 'user-7', value: Buffer.from('{poison'), timestamp, headers: { 'aura.event.id': 'evt-poison' } },
    ]);
    await producer.close();
    await driver.settle();
    const dead = (await readAll(driver.transport, dlq.name, dlq.partitions)).filter((r) => r.headers[DLQ_HEADERS.offset] === String(meta!.offset));
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers[DLQ_HEADERS.code]).toBe('DESERIALIZATION');

    const summary = await replayDeadLetters({ pipeline: driver.pipeline, transport: driver.transport });
    expect(summary).toMatchObject({ read: 1, replayed: 1, targets: { [topic.name]: 1 }, codes: { DESERIALIZATION: 1 } });
    const replayed = (await readAll(driver.transport, topic.name, topic.partitions)).filter((r) => r.headers[REPLAYED_FROM_HEADER]);
    expect(replayed).toHaveLength(1);
    const r = replayed[0]!;
    expect(r.partition).toBe(partition);
    expect(r.offset).toBeGreaterThan(meta!.offset);
    expect(r.key).toBe('user-7');
    expect(r.value!.toString()).toBe('{poison');
    expect(r.timestamp).toBe(timestamp);
    expect(r.headers['aura.event.id']).toBe('evt-poison');
    expect(r.headers[REPLAYED_FROM_HEADER]).toBe(`${dlq.name}:${dead[0]!.partition}:${dead[0]!.offset}`);
    expect(Object.keys(r.headers).filter((k) => k.startsWith('aura.dlq.'))).toEqual([]);

    // Still poison: the pipeline dead-letters it again, and the new dead letter carries where it was replayed from.
    await driver.settle();
    const again = (await readAll(driver.transport, dlq.name, dlq.partitions)).filter((d) => d.headers[REPLAYED_FROM_HEADER]);
    expect(again).toHaveLength(1);
    expect(again[0]!.headers[DLQ_HEADERS.offset]).toBe(String(r.offset));
    expect(again[0]!.headers[REPLAYED_FROM_HEADER]).toBe(r.headers[REPLAYED_FROM_HEADER]);
    // Starting after the first replay's range reads only that new dead letter.
    const range = summary.ranges.find((x) => x.partition === dead[0]!.partition)!;
    const next = await replayDeadLetters({
      pipeline: driver.pipeline,
      transport: driver.transport,
      partitions: [range.partition],
      fromOffset: range.to,
      dryRun: true,
    });
    expect(next).toMatchObject({ read: 1, replayed: 1, dryRun: true });
  }, 60_000);
});

describe('aura dlq replay', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-dlq-'));
  const stateDir = path.join(dir, 'state');
  const pipeline = loadPipeline(PIPELINE, { env: {} });
  const names = { events: pipeline.topics.user_events!.name, requests: pipeline.topics.guardian_requests!.name, dlq: pipeline.topics.dead_letters!.name };
  const open = () => createEmbeddedTransport({ path: path.join(stateDir, 'embedded-log.db'), maintenanceIntervalMs: 0 });
  const source = (topic: string, offset: number, key: string, value: string): LogRecord => ({
    topic,
    partition: 2,
    offset,
    key,
    value: Buffer.from(value),
    timestamp: 1_700_000_000_000 + offset,
    headers: { 'aura.event.id': `e-${offset}` },
  });
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await main(['dlq', 'replay', PIPELINE, '--state-dir', stateDir, ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  };
  const count = async (topic: string, partitions = 6) => {
    const t = open();
    try {
      return await readAll(t, topic, partitions);
    } finally {
      await t.close();
    }
  };

  beforeAll(async () => {
    const t = open();
    await t.connect();
    await t.admin().createTopics([...Object.values(pipeline.topics).map(topicConfig), { name: 'quarantine', partitions: 1, replication: 1, config: {} }]);
    const producer = t.producer({});
    await producer.send(
      [
        deadLetter(
          pipeline.app,
          names.dlq,
          source(names.events, 10, 'ana', '{bad'),
          'user_events-source',
          new AuraError(ErrorCodes.DESERIALIZATION, 'Unexpected token b'),
          1,
        ),
        deadLetter(
          pipeline.app,
          names.dlq,
          source(names.events, 11, 'ana', '{"type":"x"}'),
          'aggregate_context',
          new AuraError(ErrorCodes.SCHEMA_VIOLATION, 'must be one of ...'),
          2,
        ),
        deadLetter('another-app', names.dlq, source(names.requests, 12, 'bob', '{}'), 'guardian', new Error('boom'), 3),
      ].map((r) => ({ ...r, partition: 0 })),
    );
    await producer.close();
    await t.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--dry-run lists every dead letter and what would happen, and publishes nothing', async () => {
    const { code, out } = await run('--dry-run');
    expect(code).toBe(0);
    expect(out).toContain('dry run, nothing is published');
    expect(out).toMatch(/p0@0 {2}DESERIALIZATION {2}user_events-source {2}key=ana {2}→ aura360\.user\.events {2}"Unexpected token b"/);
    expect(out).toMatch(/p0@2 {2}PROCESSOR_FAILED {2}guardian {2}key=bob {2}skipped \(from another app/);
    expect(out).toContain('would replay 2 of 3 dead letters: 2 → aura360.user.events');
    expect(out).toContain('offsets read: p0 0..2');
    expect(await count(names.events)).toEqual([]);
  });

  it('--filter-code replays only the matching dead letters, to their origin', async () => {
    const { code, out } = await run('--filter-code', 'SCHEMA_VIOLATION');
    expect(code, out).toBe(0);
    expect(out).toContain('replayed 1 of 3 dead letters: 1 → aura360.user.events');
    expect(out).toMatch(/^skipped: .*1 filtered out by --filter-code/m);
    expect(out).toMatch(/^skipped: .*1 from another app sharing the topic/m);
    const events = await count(names.events);
    expect(events.map((r) => [r.key, r.value!.toString(), r.headers['aura.event.id'], r.timestamp])).toEqual([
      ['ana', '{"type":"x"}', 'e-11', 1_700_000_000_011],
    ]);
    expect(events[0]!.partition).toBe(partitionForKey('ana', 6));
  });

  it('--to sends to another topic; --from-offset and --partition narrow the range', async () => {
    const to = await run('--to', 'quarantine', '--from-offset', '1', '--partition', '0');
    expect(to.code, to.err).toBe(0);
    expect(to.out).toContain('replayed 1 of 2 dead letters: 1 → quarantine');
    expect((await count('quarantine', 1)).map((r) => r.key)).toEqual(['ana']);
    const none = await run('--partition', '3');
    expect(none.out).toContain('no dead letters to read in aura360.dead-letters');
  });

  it('fails clearly on a topic that exists nowhere or a partition out of range', async () => {
    const missing = await run('--to', 'no.such.topic');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('topic no.such.topic does not exist');
    const wrong = await run('--partition', '9');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('has partitions 0..5, not 9');
  });
});
