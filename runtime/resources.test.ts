/**
 * Resources built from pipeline.yaml for the network providers: the fields
 * their declarations (the `*-resource.ts` files under providers/) name reach
 * the adapters (durations, batch sizes, keys, templates), checked against the
 * local Qdrant fake and OpenAI test server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ComponentRegistry } from '../common/component-registry.js';
import { pointId } from '../providers/point-id.js';
import { builtinResources } from '../providers/registry.js';
import { defineResource, type ResourceType } from '../providers/resource.js';
import type { Advisor, Embedder, VectorSink } from '../providers/types.js';
import { duration, integer, object } from '../schemas/config-schema.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { type OpenAiTestServer, startOpenAiTestServer } from '../testing/support/openai-server.js';
import { type FakeQdrant, startFakeQdrant } from '../testing/support/qdrant-fake-server.js';
import { compilePipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { Resources } from './resources.js';

const PIPELINE = path.resolve(import.meta.dirname, '../pipeline.yaml');

function withResources(block: string, env: Record<string, string>): Pipeline {
  const source = fs.readFileSync(PIPELINE, 'utf8').replace(/^resources:\n(?:[ #].*\n|\n(?= ))*/m, block);
  const result = compilePipeline(source, PIPELINE, { env });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.pipeline!;
}

describe('Resources: network providers from pipeline.yaml', () => {
  let llm: OpenAiTestServer;
  let qdrant: FakeQdrant;
  beforeAll(async () => {
    [llm, qdrant] = await Promise.all([startOpenAiTestServer(), startFakeQdrant({ apiKey: 'q-key' })]);
  });
  afterAll(async () => {
    await Promise.all([llm.close(), qdrant.close()]);
  });

  const block = `resources:
  embedder:
    type: openai
    url: \${LLM_URL}
    model: emb
    api_key: \${LLM_KEY}
    dimensions: 12
    batch_size: 2
    timeout: 2s
  context_vectors:
    type: qdrant
    url: \${QDRANT_URL}
    api_key: \${QDRANT_API_KEY}
    collection: contexts
    batch_size: 2
    max_retries: 0
  advisor:
    type: openai_chat
    url: \${LLM_URL}
    model: chat
    max_tokens: 50
    prompt_template: "{{question}} / {{history}}"
`;

  it('builds the openai embedder, the qdrant sink and the openai_chat advisor with their settings', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // the Qdrant client warns about a key over http
    const resources = new Resources(withResources(block, { LLM_URL: llm.url, LLM_KEY: 'sk-1', QDRANT_URL: qdrant.url, QDRANT_API_KEY: 'q-key' }));
    try {
      const embedder = resources.get<Embedder>('embedder');
      expect(embedder.dims).toBe(12);
      expect(await embedder.embed(['a', 'b', 'c'])).toHaveLength(3);
      expect(llm.requests.map((r) => [r.body.input.length, r.body.dimensions, r.headers.authorization])).toEqual([
        [2, 12, 'Bearer sk-1'],
        [1, 12, 'Bearer sk-1'],
      ]);

      const sink = resources.get<VectorSink>('context_vectors');
      expect(sink.name).toBe('context_vectors');
      await sink.ensureCollection(3);
      await sink.upsert(
        [1, 2, 3].map((end) => ({ id: pointId('u', 0, end), vector: [1, end, 0], payload: { user_id: 'u', window_end: end, summary_text: 's' } })),
      );
      expect(qdrant.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points')).map((r) => r.body.points.length)).toEqual([2, 1]);
      expect(qdrant.requests.every((r) => r.headers['api-key'] === 'q-key')).toBe(true);
      expect(await sink.count('u')).toBe(3);

      const advisor = resources.get<Advisor>('advisor');
      let text = '';
      for await (const piece of advisor.advise({
        question: 'Hi?',
        userId: 'u',
        context: null,
        history: [],
        deadline: Date.now() + 5_000,
        signal: new AbortController().signal,
      }))
        text += piece;
      expect(text).toContain('Hi?');
      const chat = llm.requests.at(-1)!;
      expect(chat.body).toMatchObject({ model: 'chat', max_tokens: 50, stream: true });
      expect(chat.body.messages[0].content).toMatch(/^Hi\? \/ None found\.\n\nAnswer in Spanish/); // a template without {{language}} gets the instruction appended
    } finally {
      await resources.close();
      warn.mockRestore();
    }
  });

  it('fails at build time on a prompt template with an unknown placeholder', () => {
    const bad = block.replace('"{{question}} / {{history}}"', '"{{question}} {{mood}}"');
    const resources = new Resources(withResources(bad, { LLM_URL: llm.url, LLM_KEY: 'k', QDRANT_URL: qdrant.url, QDRANT_API_KEY: 'q-key' }));
    expect(() => resources.get('advisor')).toThrow(/unknown placeholder \{\{mood\}\}/);
  });
});

describe('Resources: built from the resource registry', () => {
  const block = `resources:
  embedder:
    type: minilm
  context_vectors:
    type: embedded
    path: vectors/contexts.db
  memory_vectors:
    type: embedded
    path: ':memory:'
  advisor:
    type: rules
`;
  const pipeline = () => withResources(block, {});

  it('builds each declared type with its context: the id as the name, paths against the base directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-resources-'));
    const resources = new Resources(pipeline(), { baseDir: dir });
    try {
      const sink = resources.get<VectorSink>('context_vectors');
      expect(sink.name).toBe('context_vectors');
      await sink.ensureCollection(3);
      expect(fs.existsSync(path.join(dir, 'vectors', 'contexts.db'))).toBe(true);
      expect(resources.get<VectorSink>('memory_vectors').name).toBe('memory_vectors');
      expect(resources.get('context_vectors')).toBe(sink); // one instance per process
      const advisor = resources.get<Advisor>('advisor');
      expect(typeof advisor.advise).toBe('function');
    } finally {
      await resources.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with CONFIG_INVALID, naming the resource, for a type the registry does not have', () => {
    const resources = new Resources(pipeline(), { types: new ComponentRegistry<ResourceType>('resource type', []) });
    expect(() => resources.get('advisor')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: 'resource "advisor": type "rules" is not available in this build' }),
    );
  });

  it('builds a type added with `types`, handing it the parsed fields (defaults, durations in ms)', async () => {
    const seen: unknown[] = [];
    const fixed = defineResource({
      type: 'fixed',
      role: 'embedder',
      summary: 'A test embedder.',
      config: object({ dims: integer({ minimum: 1, default: 4, description: 'Size.' }), timeout: duration('Wait.', '2s') }),
      create: (config, context) => (seen.push({ ...config, id: context.id }), createHashingEmbedder({ dims: config.dims })),
    });
    const p = pipeline();
    p.resources.embedder = { ...p.resources.embedder!, type: 'fixed', config: { timeout: '250ms' } };
    const resources = new Resources(p, { types: builtinResources.with(fixed) });
    try {
      expect(resources.get<Embedder>('embedder').dims).toBe(4);
      expect(seen).toEqual([{ dims: 4, timeout: 250, id: 'embedder' }]);
    } finally {
      await resources.close();
    }
  });
});
