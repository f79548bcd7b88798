/**
 * A pipeline whose topics are Avro through the Schema Registry, end to end on
 * the real broker and the real registry, deployed the way docs/schema-registry.md
 * says: `aura topics apply`, `aura schemas apply`, then run with
 * SCHEMA_REGISTRY_AUTO_REGISTER=false. Avro records in, Avro records out (read
 * back with the registry), and records that are not in the wire format or name
 * an unknown schema id land in the dead letter topic with the reason.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { SchemaRegistryClient } from '../serdes/registry-client.js';
import { RegistrySerdes } from '../serdes/registry-serdes.js';
import { topicSchemas } from '../serdes/topic-schemas.js';
import { aura, kafkaTransport, readTopic, tempDir, uniquePrefix, waitFor } from '../testing/support/kafka-harness.js';
import { pipelineIn, registryConfig } from '../testing/support/registry-serdes.js';
import { cleanUpRun } from '../testing/support/run-cleanup.js';
import type { Pipeline } from '../topology/model.js';
import { createPipelineApp, type PipelineApp } from './app.js';
import { DLQ_HEADERS } from './dead-letter.js';

const N = 50;

describe('Avro pipeline through the Schema Registry on Kafka', () => {
  const url = inject('schemaRegistryUrl');
  const prefix = uniquePrefix('avro');
  const dir = tempDir('aura-kafka-avro');
  const transport = kafkaTransport();
  const strict = registryConfig(url, { autoRegister: false });
  const logger = createLogger('avro-e2e', 'silent');
  let pipeline: Pipeline;
  let file: string;
  let app: PipelineApp;
  let clientSerdes: RegistrySerdes;

  beforeAll(async () => {
    pipeline = pipelineIn(
      dir,
      `
app: ${prefix}
defaults:
  processing: exactly_once
  dead_letter_topic: dlq
  on_error: dead_letter
topics:
  readings: { name: ${prefix}.readings, partitions: 2, format: avro, schema: reading }
  doubled: { name: ${prefix}.doubled, partitions: 2, format: avro, schema: doubled }
  dlq: { name: ${prefix}.dlq }
processors:
  double:
    type: map
    from: readings
    to: doubled
    config:
      value: '{ "user_id": user_id, "n2": n * 2, "note": note }'
`,
      {
        reading: { type: 'object', required: ['user_id', 'n'], properties: { user_id: { type: 'string' }, n: { type: 'integer' }, note: { type: 'string' } } },
        doubled: {
          type: 'object',
          required: ['user_id', 'n2'],
          properties: { user_id: { type: 'string' }, n2: { type: 'integer' }, note: { type: 'string' } },
        },
      },
    );
    file = path.join(dir, 'pipeline.yaml');
    expect((await aura(['topics', 'apply', file])).code).toBe(0);
    const plan = await aura(['schemas', 'plan', file, '--exit-code'], { SCHEMA_REGISTRY_URL: url });
    expect(plan.code).toBe(2);
    const applied = await aura(['schemas', 'apply', file], { SCHEMA_REGISTRY_URL: url });
    expect(applied.err).toBe('');
    expect(applied.code).toBe(0);

    app = createPipelineApp({ pipeline, transport, logger, stateDir: path.join(dir, 'state'), instanceId: 'i1', topics: 'check', registry: strict });
    await app.start();

    clientSerdes = new RegistrySerdes(new SchemaRegistryClient(strict), topicSchemas(pipeline), logger);
    await clientSerdes.init();
    const input = pipeline.topics.readings!;
    const producer = transport.producer({});
    const records = Array.from({ length: N }, (_, i) => {
      const key = `u${i % 7}`;
      const value = i % 3 === 0 ? { user_id: key, n: i, note: `#${i}` } : { user_id: key, n: i };
      return {
        topic: input.name,
        partition: transport.partitionFor(key, input.partitions),
        key,
        value: clientSerdes.encode(input.name, value),
        timestamp: Date.now(),
      };
    });
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 0x02, 0x61, 0x00]);
    const plainJson = Buffer.from('{"user_id":"u1","n":1}');
    await producer.send([
      ...records.slice(0, 10),
      { topic: input.name, partition: transport.partitionFor('bad1', 2), key: 'bad1', value: unknownId, timestamp: Date.now() },
      ...records.slice(10),
      { topic: input.name, partition: transport.partitionFor('bad2', 2), key: 'bad2', value: plainJson, timestamp: Date.now() },
    ]);
    await producer.close();
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await cleanUpRun(
      transport,
      Object.values(pipeline.topics).map((t) => t.name),
      dir,
    );
  });

  it('turns every Avro record into one Avro output record, written with the registered schema id', async () => {
    const out = pipeline.topics.doubled!;
    await waitFor('every record processed', async () => (await readTopic(transport, out.name, out.partitions)).length >= N, 60_000, 300);
    const records = await readTopic(transport, out.name, out.partitions);
    expect(records).toHaveLength(N);
    const outId = (await new SchemaRegistryClient(strict).latest(`${out.name}-value`))!.id;
    await clientSerdes.prefetch(records);
    const values = records.map((r) => {
      expect(r.value![0]).toBe(0);
      expect(r.value!.readInt32BE(1)).toBe(outId);
      return clientSerdes.decode(out.name, r.value) as { user_id: string; n2: number; note?: string };
    });
    const expected = Array.from({ length: N }, (_, i) =>
      i % 3 === 0 ? { user_id: `u${i % 7}`, n2: 2 * i, note: `#${i}` } : { user_id: `u${i % 7}`, n2: 2 * i },
    );
    const byN2 = (a: { n2: number }, b: { n2: number }) => a.n2 - b.n2;
    expect([...values].sort(byN2)).toEqual(expected);
  });

  it('dead-letters a record with an unknown schema id and one without the magic byte, with the reason', async () => {
    const dlq = pipeline.topics.dlq!;
    await waitFor('two dead letters', async () => (await readTopic(transport, dlq.name, dlq.partitions)).length >= 2, 60_000, 300);
    const letters = await readTopic(transport, dlq.name, dlq.partitions);
    expect(letters).toHaveLength(2);
    const byKey = new Map(letters.map((l) => [l.key, l]));
    expect(byKey.get('bad1')!.headers[DLQ_HEADERS.code]).toBe('DESERIALIZATION');
    expect(byKey.get('bad1')!.headers[DLQ_HEADERS.message]).toMatch(/unknown schema id 2147483392: the Schema Registry has no schema with this id/);
    expect(byKey.get('bad2')!.headers[DLQ_HEADERS.message]).toMatch(/unknown magic byte 123 .*plain JSON/);
    expect(byKey.get('bad2')!.value!.toString()).toBe('{"user_id":"u1","n":1}');
    expect(byKey.get('bad1')!.headers[DLQ_HEADERS.topic]).toBe(pipeline.topics.readings!.name);
  });
});
