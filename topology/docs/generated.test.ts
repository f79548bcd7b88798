/**
 * The generated files are committed; these tests fail when they are stale
 * (fix: `npm run docs` / `node bin/aura.js schema`), and check what the editor
 * schema accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { builtinProcessors } from '../../processors/registry.js';
import { DiagnosticCodes } from '../diagnostic-codes.js';
import { buildEditorSchema } from '../editor-schema.js';
import { generatedDocs, generatedSchemas } from './generate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const committed = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('generated files are up to date', () => {
  for (const [rel, content] of [...generatedDocs(), ...generatedSchemas()]) {
    it(`${rel} matches its sources (run \`node bin/aura.js docs\` / \`schema\` if not)`, () => {
      expect(fs.existsSync(path.join(ROOT, rel)), `${rel} is committed`).toBe(true);
      expect(committed(rel)).toBe(content);
    });
  }
});

describe('generated docs content', () => {
  const reference = generatedDocs().get('docs/pipeline-reference.md')!;

  it('documents every section, processor type and diagnostic code', () => {
    for (const heading of [
      '## `defaults`',
      '## `topics.<id>`',
      '## `stores.<id>`',
      '## `resources.<id>`',
      '## `processors.<id>`',
      '## `joins.<id>`',
      '## Diagnostic codes',
    ])
      expect(reference).toContain(heading);
    for (const spec of builtinProcessors.all()) expect(reference).toContain(`[\`${spec.type}\`](processors/${spec.type}.md)`);
    for (const code of Object.keys(DiagnosticCodes)) expect(reference).toContain(`| \`${code}\` |`);
  });

  it('gives each processor page its config table and examples', () => {
    for (const spec of builtinProcessors.all()) {
      const page = generatedDocs().get(`docs/processors/${spec.type}.md`)!;
      expect(page).toContain(`# \`${spec.type}\` processor`);
      for (const field of Object.keys((spec.configSchema as { properties: object }).properties)) expect(page).toContain(`| \`${field}\` |`);
      for (const example of spec.examples)
        expect(page).toContain(
          example.yaml
            .trimEnd()
            .split('\n')
            .map((l) => (l ? `  ${l}` : l))
            .join('\n'),
        );
    }
  });
});

describe('editor schema (schemas/pipeline.schema.json)', () => {
  const validate = new Ajv({ allErrors: true, logger: false }).compile(buildEditorSchema());
  const pipeline = () => YAML.parse(committed('pipeline.yaml'));

  it('accepts the default pipeline as written, ${VAR:-default} references included', () => {
    expect(validate(pipeline()), JSON.stringify(validate.errors)).toBe(true);
  });

  it('checks processor configs and resource fields by type', () => {
    const p = pipeline();
    p.processors.vectorize_context.config.embeder = 'embedder';
    expect(validate(p)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/processors/vectorize_context/config' && e.keyword === 'additionalProperties')).toBe(true);
    const q = pipeline();
    q.resources.context_vectors = { type: 'qdrant', url: 'http://localhost:6333' };
    expect(validate(q)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/resources/context_vectors' && e.keyword === 'required')).toBe(true);
    const r = pipeline();
    r.processors.split_events.type = 'brnach';
    expect(validate(r)).toBe(false);
  });
});
