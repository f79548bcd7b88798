/**
 * `aura dlq replay` on a real broker: dead letters written as the engine
 * writes them go back to their source topic with key, bytes, headers and
 * `aura.replayed-from`; the dry run publishes nothing. A copy of pipeline.yaml
 * with unique app and topic names keeps runs apart.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { deadLetter } from '../runtime/dead-letter.js';
import { aura, kafkaTransport, pipelineCopy, ROOT, readTopic, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import type { LogRecord } from '../transports/types.js';
import { REPLAYED_FROM_HEADER } from './dlq-replay.js';

describe('aura dlq replay on Kafka', () => {
  const prefix = uniquePrefix('dlq');
  const dir = tempDir('aura-dlq-kafka');
  const file = pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
  ]);
  const transport = kafkaTransport('aura-dlq-test');
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = loadPipeline(file, { env: {} });
    expect((await aura(['topics', 'apply', file])).code).toBe(0);
    const source = (offset: number, key: string, value: string): LogRecord => ({
      topic: pipeline.topics.user_events!.name,
      partition: 1,
      offset,
      key,
      value: Buffer.from(value),
      timestamp: Date.now() - 60_000,
      headers: { 'aura.event.id': `e-${offset}` },
    });
    const producer = transport.producer({});
    const dlq = pipeline.topics.dead_letters!.name;
    await producer.send([
      deadLetter(pipeline.app, dlq, source(4, 'ana', '{bad'), 'user_events-source', new AuraError(ErrorCodes.DESERIALIZATION, 'Unexpected token'), Date.now()),
      deadLetter(pipeline.app, dlq, source(5, 'bob', '{"x":1}'), 'aggregate_context', new AuraError(ErrorCodes.PROVIDER_TIMEOUT, 'slow'), Date.now()),
    ]);
    await producer.close();
  }, 90_000);
  afterAll(() => transport.close());

  it('lists them on a dry run, then re-publishes the filtered ones to their source topic', async () => {
    const events = pipeline.topics.user_events!;
    const dry = await aura(['dlq', 'replay', file, '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(`would replay 2 of 2 dead letters: 2 → ${events.name}`);
    expect(await readTopic(transport, events.name, events.partitions)).toEqual([]);

    const run = await aura(['dlq', 'replay', file, '--filter-code', 'PROVIDER_TIMEOUT']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`replayed 1 of 2 dead letters: 1 → ${events.name}`);
    const replayed = await readTopic(transport, events.name, events.partitions);
    expect(replayed.map((r) => [r.key, r.value!.toString(), r.headers['aura.event.id']])).toEqual([['bob', '{"x":1}', 'e-5']]);
    expect(replayed[0]!.headers[REPLAYED_FROM_HEADER]).toMatch(new RegExp(`^${pipeline.topics.dead_letters!.name}:\\d+:\\d+$`));
    expect(Object.keys(replayed[0]!.headers).some((k) => k.startsWith('aura.dlq.'))).toBe(false);
    expect(replayed[0]!.partition).toBe(transport.partitionFor('bob', events.partitions));
  }, 60_000);
});
