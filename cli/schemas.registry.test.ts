/**
 * `aura schemas plan|apply` against the real registry (testing/setup/schema-registry.ts),
 * driven through the CLI entry point as a user runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SchemaRegistryClient } from '../serdes/registry-client.js';
import { pipelineIn, registryConfig, tempDir, uniqueSuffix } from '../testing/support/registry-serdes.js';
import { main } from './main.js';

async function aura(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

// Closed (additionalProperties: false): under the registries' JSON Schema rules a property added to an
// open content model is a BACKWARD-incompatible change, to a closed one it is not.
const schema = (required: string[], properties: Record<string, object>) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: { user_id: { type: 'string' }, ...properties },
});

describe('aura schemas plan|apply (real registry)', () => {
  const url = inject('schemaRegistryUrl');
  const client = new SchemaRegistryClient(registryConfig(url));
  const suffix = uniqueSuffix();
  const dir = tempDir('aura-schemas-cli-');
  const file = path.join(dir, 'pipeline.yaml');
  const subject = `cli.readings.${suffix}-value`;
  const write = (reading: object) =>
    pipelineIn(
      dir,
      `
app: schemas-cli
topics:
  readings: { name: cli.readings.${suffix}, format: avro, schema: reading }
  summaries: { name: cli.summaries.${suffix}, format: json_sr, schema: reading }
processors:
  pass:
    type: filter
    from: readings
    to: summaries
    config: { condition: "true" }
`,
      { reading },
    );

  beforeAll(() => {
    process.env.SCHEMA_REGISTRY_URL = url;
  });
  afterAll(() => {
    delete process.env.SCHEMA_REGISTRY_URL;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans new subjects, applies them with BACKWARD compatibility, then has nothing to do', async () => {
    write(schema(['user_id'], { bpm: { type: 'integer' } }));
    const plan = await aura('schemas', 'plan', file, '--exit-code');
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(new RegExp(`\\+ ${subject.replace(/\./g, '\\.')} +avro from reading: new subject: version 1, compatibility BACKWARD`));
    expect(plan.out).toMatch(/\+ cli\.summaries\..*-value +json_sr from reading: new subject/);
    const apply = await aura('schemas', 'apply', file);
    expect(apply.err).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.out).toMatch(/applied: cli\.readings\..*-value \(id \d+\), cli\.summaries\..*-value \(id \d+\)/);
    expect(await client.subjectCompatibility(subject)).toBe('BACKWARD');
    const again = await aura('schemas', 'plan', file, '--exit-code', '-v');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/= cli\.readings\..*up to date: version 1, id \d+/);
    expect(again.out).toContain('2 subjects: 2 up to date');
  });

  it('refuses an incompatible change before the deploy, naming the field, and registers nothing', async () => {
    write(schema(['user_id', 'spo2'], { bpm: { type: 'integer' }, spo2: { type: 'number' } }));
    const plan = await aura('schemas', 'plan', file);
    expect(plan.code).toBe(1);
    expect(plan.out).toMatch(/! cli\.readings\..*-value +avro from reading: INCOMPATIBLE with version 1 under BACKWARD: .*spo2/);
    expect(plan.err).toMatch(/would refuse/);
    const apply = await aura('schemas', 'apply', file);
    expect(apply.code).toBe(1);
    expect(apply.err).toMatch(/incompatible schemas, nothing was registered:\n {2}cli\.readings\..*spo2/);
    expect((await client.latest(subject))!.version).toBe(1);
  });

  it('registers a compatible evolution (a new optional field) as the next version', async () => {
    write(schema(['user_id'], { bpm: { type: 'integer' }, spo2: { type: 'number' } }));
    const plan = await aura('schemas', 'plan', file);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/~ cli\.readings\..*new version after 1, compatible under BACKWARD/);
    expect(plan.out).toMatch(/~ cli\.summaries\..*new version after 1, compatible under BACKWARD/);
    expect((await aura('schemas', 'apply', file)).code).toBe(0);
    expect((await client.latest(subject))!.version).toBe(2);
  });

  it('says what is missing without a registry URL, and rejects an unknown level', async () => {
    delete process.env.SCHEMA_REGISTRY_URL;
    try {
      const r = await aura('schemas', 'plan', file);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/SCHEMA_REGISTRY_URL is not set/);
    } finally {
      process.env.SCHEMA_REGISTRY_URL = url;
    }
    const bad = await aura('schemas', 'plan', file, '--compatibility', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--compatibility must be one of BACKWARD/);
  });
});
