/**
 * The processor registry and every type's examples: each example (a
 * `processors:` entry) must compile, without errors or warnings, inside a
 * minimal pipeline declaring the topics, stores and resources it names. And
 * the rule that keeps each config declared once: no processor writes a config
 * interface by hand beside its schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { compilePipeline } from '../topology/compile.js';
import { builtinProcessors } from './registry.js';

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
    for (const topic of typeof to === 'object' && to !== null && !Array.isArray(to) ? Object.values(to) : [to].flat())
      if (typeof topic === 'string') topics.add(topic);
    const spec = builtinProcessors.get(entry.type);
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

const processorTypes = builtinProcessors.all();

describe('processor registry', () => {
  it('lists each type once, in the order of the docs, and finds them by name', () => {
    expect(builtinProcessors.types()).toEqual(['aggregate', 'vectorize', 'ingest', 'guardian', 'filter', 'map', 'branch']);
    for (const spec of processorTypes) expect(builtinProcessors.get(spec.type)).toBe(spec);
    expect(builtinProcessors.get('nope')).toBeUndefined();
  });

  it('is extended by a new registry, never changed; a type registered twice is an error', () => {
    const extra = { ...builtinProcessors.get('filter')!, type: 'filter_again' };
    const extended = builtinProcessors.with(extra);
    expect(extended.types()).toEqual([...builtinProcessors.types(), 'filter_again']);
    expect(builtinProcessors.get('filter_again')).toBeUndefined();
    expect(() => builtinProcessors.with(builtinProcessors.get('map')!)).toThrow('processor type "map" is registered twice');
  });

  it('gives every type docs, examples and a strict config schema that compiles', () => {
    const ajv = new Ajv({ logger: false });
    for (const spec of processorTypes) {
      expect(spec.summary.length, spec.type).toBeGreaterThan(20);
      expect(spec.description.length, spec.type).toBeGreaterThan(100);
      expect(spec.examples.length, spec.type).toBeGreaterThan(0);
      expect((spec.configSchema as { additionalProperties?: unknown }).additionalProperties, spec.type).toBe(false);
      expect(() => ajv.compile(spec.configSchema), spec.type).not.toThrow();
      expect(spec.defaultConcurrency, spec.type).toBe(spec.async ? spec.defaultConcurrency : 1);
      expect(spec.defaultConcurrency, spec.type).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('processor examples', () => {
  for (const spec of processorTypes) {
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
    const broken = processorTypes[0]!.examples[0]!.yaml.replace('config:', 'config:\n    no_such_field: 1');
    expect(compilePipeline(pipelineAround(broken), 'x.yaml', { env: {} }).diagnostics.map((d) => d.code)).toContain('INVALID_CONFIG');
  });
});

describe('type behaviour the compiler relies on (hooks get durations in ms and defaults, whatever the config says)', () => {
  it('aggregate asks for the store kind its window needs', () => {
    const spec = builtinProcessors.get('aggregate')!;
    expect(spec.storeRequirement!({ aggregations: {}, emit: 'on_update' })).toEqual({ kind: 'key_value' });
    expect(spec.storeRequirement!({ window: { type: 'tumbling', size: '1h', grace: '5m' } })).toEqual({
      kind: 'window',
      windowSizeMs: 3_600_000,
      graceMs: 300_000,
    });
    expect(spec.storeRequirement!({ window: { type: 'session', gap: '30m' } })).toEqual({ kind: 'session', windowSizeMs: 1_800_000, graceMs: 0 });
    expect(spec.storeRequirement!({ window: { type: 'context', max_events: 5, span: '1d' } })).toEqual({ kind: 'key_value' });
  });

  it('branch ports are its branch names plus the default port', () => {
    const spec = builtinProcessors.get('branch')!;
    expect(spec.ports({ branches: { a: 'x', b: 'y' }, default: 'rest' })).toEqual(['a', 'b', 'rest']);
    expect(spec.expressions!({ branches: { a: 'x = 1' } })).toEqual([{ path: ['branches', 'a'], expression: 'x = 1' }]);
  });

  it('guardian refers to its advisor and optional vector store with their roles', () => {
    const spec = builtinProcessors.get('guardian')!;
    expect(spec.resourceRefs!({ advisor: 'a' })).toEqual([{ path: ['advisor'], id: 'a', role: 'advisor' }]);
    expect(spec.resourceRefs!({ advisor: 'a', vectors: 'v' }).map((r) => [r.id, r.role])).toEqual([
      ['a', 'advisor'],
      ['v', 'vector_sink'],
    ]);
    expect(spec.ports({ advisor: 'a' })).toEqual(['responses', 'chunks']);
  });

  it('aggregate checks window durations as milliseconds, and names them in the message as durations', () => {
    const check = builtinProcessors.get('aggregate')!.check!;
    const issues = check({
      aggregations: { n: { op: 'count' } },
      window: { type: 'hopping', size: '90m', advance: 7_200_000, grace: '-1m' },
      emit: 'on_update',
    });
    expect(issues.map((i) => [i.path.join('.'), i.code, i.message])).toEqual([
      ['window.advance', 'INVALID_WINDOW', 'hopping window advance (2h) is larger than its size (1h30m): records between windows would be lost'],
      ['window.grace', 'INVALID_WINDOW', 'window grace must not be negative (got -1m)'],
    ]);
  });
});

describe('one declaration per config', () => {
  const root = path.dirname(new URL(import.meta.url).pathname);
  const sources = fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(root, f), 'utf8') }));

  it('no processor declares a config interface or object type by hand (the type is inferred: Config<typeof schema>)', () => {
    expect(sources.length).toBeGreaterThan(10);
    const HAND_WRITTEN = /(?:interface\s+\w*Config\b|type\s+\w*Config\s*=\s*\{)/;
    expect(sources.filter((s) => HAND_WRITTEN.test(s.text)).map((s) => s.file)).toEqual([]);
    // The check itself notices one (so a green run means something).
    expect(HAND_WRITTEN.test('export interface FilterConfig {\n  condition: string;\n}')).toBe(true);
  });

  it('every built-in type is declared with defineProcessor in its own folder and listed in the registry', () => {
    const declared = sources.filter((s) => /= defineProcessor\(/.test(s.text)).map((s) => path.dirname(s.file));
    expect(declared.sort()).toEqual(builtinProcessors.types().sort());
  });
});
