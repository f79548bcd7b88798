/**
 * The processor registry and every spec's examples: each example (a
 * `processors:` entry) must compile, without errors or warnings, inside a
 * minimal pipeline declaring the topics, stores and resources it names.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Ajv } from 'ajv';
import { getSpec, processorSpecs, processorTypes } from './spec-registry.js';
import type { ProcessorSpec } from './types.js';
import { compilePipeline } from '../topology/compile.js';

const RESOURCE_BY_ROLE = {
  embedder: { type: 'minilm' },
  vector_sink: { type: 'embedded', path: '/tmp/vectors.db' },
  advisor: { type: 'rules' },
} as const;

type Entry = { type: string; from?: unknown; to?: unknown; store?: string; stores?: string[]; config?: Record<string, unknown> };

/** A pipeline that declares everything the example refers to. */
function pipelineAround(exampleYaml: string): string {
  const entries = YAML.parse(exampleYaml) as Record<string, Entry>;
  const nodes = new Set(Object.keys(entries));
  const topics = new Set<string>();
  const stores: Record<string, { kind: string }> = {};
  const resources: Record<string, object> = {};
  for (const entry of Object.values(entries)) {
    for (const ref of [entry.from].flat()) if (typeof ref === 'string' && !nodes.has(ref.split('.')[0])) topics.add(ref);
    const to = entry.to;
    for (const topic of typeof to === 'object' && to !== null && !Array.isArray(to) ? Object.values(to) : [to].flat()) if (typeof topic === 'string') topics.add(topic);
    const spec = getSpec(entry.type) as ProcessorSpec<Record<string, unknown>> | undefined;
    const kind = spec?.storeRequirement?.(entry.config ?? {})?.kind ?? 'key_value';
    for (const store of [entry.store, ...(entry.stores ?? [])]) if (store) stores[store] = { kind };
    for (const ref of spec?.resourceRefs?.(entry.config as Record<string, unknown>) ?? []) resources[ref.id] = RESOURCE_BY_ROLE[ref.role];
  }
  return YAML.stringify({
    app: 'examples',
    topics: Object.fromEntries([...topics].map((t) => [t, { name: `examples.${t}` }])),
    stores,
    resources,
    processors: entries,
  });
}

describe('processor registry', () => {
  it('lists each type once, and getSpec finds them', () => {
    expect(new Set(processorTypes()).size).toBe(processorSpecs.length);
    expect(processorTypes()).toEqual(['aggregate', 'vectorize', 'ingest', 'guardian', 'filter', 'map', 'branch']);
    for (const spec of processorSpecs) expect(getSpec(spec.type)).toBe(spec);
    expect(getSpec('nope')).toBeUndefined();
  });

  it('gives every spec docs, examples and a strict config schema that compiles', () => {
    const ajv = new Ajv({ logger: false });
    for (const spec of processorSpecs) {
      expect(spec.summary.length, spec.type).toBeGreaterThan(20);
      expect(spec.description.length, spec.type).toBeGreaterThan(100);
      expect(spec.examples.length, spec.type).toBeGreaterThan(0);
      expect((spec.configSchema as { additionalProperties?: unknown }).additionalProperties, spec.type).toBe(false);
      expect(() => ajv.compile(spec.configSchema), spec.type).not.toThrow();
      expect(spec.async ? spec.defaultConcurrency : 1, spec.type).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('processor examples', () => {
  for (const spec of processorSpecs) {
    for (const example of spec.examples) {
      it(`${spec.type}: "${example.title}" compiles`, () => {
        const yaml = pipelineAround(example.yaml);
        const result = compilePipeline(yaml, `${spec.type}-example.yaml`, { env: {} });
        expect(result.diagnostics, yaml).toEqual([]);
        const ids = Object.keys(YAML.parse(example.yaml) as object);
        expect(ids.some((id) => result.pipeline!.nodes[id]?.type === spec.type)).toBe(true);
      });
    }
  }

  it('the harness itself rejects a broken example (so the examples are really checked)', () => {
    const broken = processorSpecs[0].examples[0].yaml.replace('config:', 'config:\n    no_such_field: 1');
    expect(compilePipeline(pipelineAround(broken), 'x.yaml', { env: {} }).diagnostics.map((d) => d.code)).toContain('INVALID_CONFIG');
  });
});

describe('spec behaviour the compiler relies on', () => {
  it('aggregate asks for the store kind its window needs', () => {
    const spec = getSpec('aggregate')!;
    expect(spec.storeRequirement!({ aggregations: {}, emit: 'on_update' })).toEqual({ kind: 'key_value' });
    expect(spec.storeRequirement!({ window: { type: 'tumbling', size: '1h', grace: '5m' } })).toEqual({ kind: 'window', windowSizeMs: 3_600_000, graceMs: 300_000 });
    expect(spec.storeRequirement!({ window: { type: 'session', gap: '30m' } })).toEqual({ kind: 'session', windowSizeMs: 1_800_000, graceMs: 0 });
    expect(spec.storeRequirement!({ window: { type: 'context', max_events: 5, span: '1d' } })).toEqual({ kind: 'key_value' });
  });

  it('branch ports are its branch names plus the default port', () => {
    const spec = getSpec('branch')!;
    expect(spec.ports({ branches: { a: 'x', b: 'y' }, default: 'rest' })).toEqual(['a', 'b', 'rest']);
    expect(spec.expressions!({ branches: { a: 'x = 1' } })).toEqual([{ path: ['branches', 'a'], expression: 'x = 1' }]);
  });

  it('guardian refers to its advisor and optional vector store with their roles', () => {
    const spec = getSpec('guardian')!;
    expect(spec.resourceRefs!({ advisor: 'a' })).toEqual([{ path: ['advisor'], id: 'a', role: 'advisor' }]);
    expect(spec.resources!({ advisor: 'a', vectors: 'v' })).toEqual(['a', 'v']);
    expect(spec.ports({})).toEqual(['responses', 'chunks']);
  });
});
