/**
 * The resource registry: every built-in type once, in the order of the docs,
 * each with a role, a summary and a strict schema, declared with
 * defineResource beside its implementation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { builtinResources } from './registry.js';
import { ROLE_LABELS } from './resource.js';

describe('resource registry', () => {
  it('lists each built-in type once, in the order of the docs, with its role', () => {
    expect(builtinResources.all().map((r) => [r.type, r.role])).toEqual([
      ['minilm', 'embedder'],
      ['openai', 'embedder'],
      ['embedded', 'vector_sink'],
      ['qdrant', 'vector_sink'],
      ['rules', 'advisor'],
      ['openai_chat', 'advisor'],
    ]);
    expect(builtinResources.get('hashing')).toBeUndefined();
  });

  it('gives every type a summary, a label for its role and a strict schema that compiles', () => {
    const ajv = new Ajv({ logger: false });
    for (const type of builtinResources.all()) {
      expect(type.summary.length, type.type).toBeGreaterThan(20);
      expect(ROLE_LABELS[type.role], type.type).toMatch(/^an? /);
      expect(type.configSchema.additionalProperties, type.type).toBe(false);
      expect(() => ajv.compile(type.configSchema), type.type).not.toThrow();
    }
  });

  it('has every type declared with defineResource in a *-resource.ts file beside its implementation', () => {
    const root = path.dirname(new URL(import.meta.url).pathname);
    const declared = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('-resource.ts'))
      .flatMap((f) => [...fs.readFileSync(path.join(root, f), 'utf8').matchAll(/defineResource\(\{\s*type: '(\w+)'/g)].map((m) => m[1]));
    expect(declared.sort()).toEqual(builtinResources.types().sort());
  });
});
