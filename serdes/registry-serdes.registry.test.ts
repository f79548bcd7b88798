/**
 * The serdes against a real Schema Registry (Apicurio's Confluent API, started
 * by testing/setup/schema-registry.ts): round trips, bytes made by hand to the wire-format
 * spec, schema evolution with old records still readable, compatibility
 * failures naming the field, unknown schema ids and wrong magic bytes.
 */

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { avroLong, avroString, pipelineIn, registryConfig, tempDir, uniqueSuffix } from '../testing/support/registry-serdes.js';
import { SchemaRegistryClient } from './registry-client.js';
import { RegistrySerdes } from './registry-serdes.js';
import { topicSchemas } from './topic-schemas.js';

const logger = createLogger('test', 'silent');
const metric = (required: string[], extra: Record<string, object> = {}) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required,
  properties: { user_id: { type: 'string' }, n: { type: 'integer' }, ...extra },
});

const yaml = (suffix: string) => `
app: serde-test
topics:
  metrics: { name: serde.metrics.${suffix}, format: avro, schema: metric }
  notes: { name: serde.notes.${suffix}, format: json_sr, schema: metric }
  out: { name: serde.out.${suffix} }
processors:
  pass:
    type: filter
    from: [metrics, notes]
    to: out
    config: { condition: "true" }
`;

describe('Schema Registry serdes (real registry)', () => {
  const url = inject('schemaRegistryUrl');
  const client = new SchemaRegistryClient(registryConfig(url));
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('aura-serde-');
    dirs.push(d);
    return d;
  };
  let suffix: string;
  let serdes: RegistrySerdes;
  let metricsTopic: string;
  let notesTopic: string;

  beforeAll(async () => {
    suffix = uniqueSuffix();
    const pipeline = pipelineIn(dir(), yaml(suffix), { metric: metric(['user_id', 'n']) });
    metricsTopic = pipeline.topics.metrics!.name;
    notesTopic = pipeline.topics.notes!.name;
    serdes = new RegistrySerdes(client, topicSchemas(pipeline), logger);
    await serdes.init();
  });

  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('registers each topic schema under <topic>-value and round-trips values in the wire format', async () => {
    const avroId = serdes.schemaIdOf(metricsTopic)!;
    const jsonId = serdes.schemaIdOf(notesTopic)!;
    expect(avroId).not.toBe(jsonId);
    expect((await client.latest(`${metricsTopic}-value`))!.id).toBe(avroId);
    expect((await client.schemaById(jsonId)).schemaType).toBe('JSON');
    const value = { user_id: 'u1', n: 42 };
    const bytes = serdes.encode(metricsTopic, value)!;
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(avroId);
    expect(serdes.decode(metricsTopic, bytes)).toEqual(value);
    const json = serdes.encode(notesTopic, { ...value, extra: [1] })!;
    expect(json.subarray(5).toString()).toBe('{"user_id":"u1","n":42,"extra":[1]}');
    expect(serdes.decode(notesTopic, json)).toEqual({ ...value, extra: [1] });
    expect(serdes.encode(metricsTopic, null)).toBeNull();
    expect(() => serdes.encode(metricsTopic, { user_id: 5, n: 1 })).toThrow(/does not match the Avro schema .* user_id = 5/);
  });

  it('reads records whose bytes were made by hand to the spec, and writes the same bytes', async () => {
    const id = serdes.schemaIdOf(metricsTopic)!;
    const header = Buffer.from([0, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
    // Record fields in schema order: user_id (string), n (long): -3 zig-zags to 5; 300 to 600 = 0xd8 0x04.
    const avroBytes = Buffer.concat([header, avroString('ü-1'), avroLong(-3)]);
    expect(serdes.decode(metricsTopic, avroBytes)).toEqual({ user_id: 'ü-1', n: -3 });
    expect(serdes.encode(metricsTopic, { user_id: 'ü-1', n: -3 })).toEqual(avroBytes);
    expect([...avroLong(300)]).toEqual([0xd8, 0x04]);
    const jsonId = serdes.schemaIdOf(notesTopic)!;
    const jsonBytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from('{"user_id":"h","n":1}')]);
    jsonBytes.writeInt32BE(jsonId, 1);
    expect(serdes.decode(notesTopic, jsonBytes)).toEqual({ user_id: 'h', n: 1 });
  });

  it('sends records with an unknown schema id or a wrong magic byte to the error policy with a clear reason', async () => {
    const unknown = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 0x61, 0]);
    await serdes.prefetch([{ topic: metricsTopic, partition: 0, offset: 0, key: 'k', value: unknown, timestamp: 0, headers: {} }]);
    const err = (() => {
      try {
        serdes.decode(metricsTopic, unknown);
      } catch (e) {
        return e as AuraError;
      }
    })();
    expect(err?.code).toBe('DESERIALIZATION');
    expect(err?.message).toMatch(/unknown schema id 2147483632: the Schema Registry has no schema with this id/);
    expect(() => serdes.decode(metricsTopic, Buffer.from('{"user_id":"u"}'))).toThrow(/unknown magic byte 123/);
    // A JSON Schema id on an Avro topic is refused, not misread.
    const jsonOnAvro = Buffer.from(serdes.encode(notesTopic, { user_id: 'x', n: 1 })!);
    expect(() => serdes.decode(metricsTopic, jsonOnAvro)).toThrow(/a JSON schema, but topic .* is format avro/);
  });

  it('evolves: a new optional field registers as BACKWARD compatible and records of both versions stay readable', async () => {
    const v1 = serdes;
    const subject = `${metricsTopic}-value`;
    await client.setSubjectCompatibility(subject, 'BACKWARD');
    const old = v1.encode(metricsTopic, { user_id: 'old', n: 1 })!;
    const v2Pipeline = pipelineIn(dir(), yaml(suffix), { metric: metric(['user_id', 'n'], { note: { type: 'string' } }) });
    const v2 = new RegistrySerdes(client, topicSchemas(v2Pipeline), logger);
    await v2.init();
    expect(v2.schemaIdOf(metricsTopic)).not.toBe(v1.schemaIdOf(metricsTopic));
    expect((await client.latest(subject))!.version).toBe(2);
    const fresh = v2.encode(metricsTopic, { user_id: 'new', n: 2, note: 'hi' })!;
    await v2.prefetch([{ topic: metricsTopic, partition: 0, offset: 0, key: null, value: old, timestamp: 0, headers: {} }]);
    expect(v2.decode(metricsTopic, old)).toEqual({ user_id: 'old', n: 1 });
    expect(v2.decode(metricsTopic, fresh)).toEqual({ user_id: 'new', n: 2, note: 'hi' });
    // A consumer still on v1 reads v2 records too (the new field is skipped).
    await v1.prefetch([{ topic: metricsTopic, partition: 0, offset: 1, key: null, value: fresh, timestamp: 0, headers: {} }]);
    expect(v1.decode(metricsTopic, fresh)).toEqual({ user_id: 'new', n: 2 });
  });

  it('refuses an incompatible schema, naming the field', async () => {
    const subject = `${metricsTopic}-value`;
    await client.setSubjectCompatibility(subject, 'BACKWARD');
    const v3Pipeline = pipelineIn(dir(), yaml(suffix), { metric: metric(['user_id', 'n', 'score'], { note: { type: 'string' }, score: { type: 'number' } }) });
    const [v3Avro] = topicSchemas(v3Pipeline);
    const check = await client.checkCompatibility(subject, v3Avro!.schema, 'AVRO');
    expect(check.compatible).toBe(false);
    expect(check.messages.join(' ')).toMatch(/score/);
    const v3 = new RegistrySerdes(client, topicSchemas(v3Pipeline), logger);
    await expect(v3.init()).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE', message: expect.stringMatching(/score/) });
  });

  it('looks schemas up without registering them when auto-registration is off', async () => {
    const strict = new SchemaRegistryClient(registryConfig(url, { autoRegister: false }));
    const pipeline = pipelineIn(dir(), yaml(`${suffix}x`), { metric: metric(['user_id', 'n']) });
    await expect(new RegistrySerdes(strict, topicSchemas(pipeline), logger).init()).rejects.toThrow(
      /not registered under subject serde\.metrics\..*-value .*aura schemas apply/,
    );
    expect(await strict.lookup(`serde.metrics.${suffix}-value`, topicSchemas(pipeline)[0]!.schema, 'AVRO')).toMatchObject({ version: 1 });
  });
});
