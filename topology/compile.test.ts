/**
 * The compiler's output for the default pipeline.yaml: nodes, edges,
 * sub-topologies, stores, changelogs, partitions; and how options and errors
 * reach the caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { compilePipeline, loadPipeline } from './compile.js';
import type { Pipeline } from './model.js';

const PIPELINE = fileURLToPath(new URL('../pipeline.yaml', import.meta.url));
const source = fs.readFileSync(PIPELINE, 'utf8');
const compileDefault = (env: Record<string, string> = {}) => compilePipeline(source, 'pipeline.yaml', { env });

function pipeline(env?: Record<string, string>): Pipeline {
  const result = compileDefault(env);
  expect(result.diagnostics).toEqual([]);
  return result.pipeline!;
}

const st = (p: Pipeline, node: string) => p.subtopologies.find((s) => s.nodes.includes(node))!;

describe('compilePipeline on the default pipeline.yaml', () => {
  it('compiles with no errors and no warnings', () => {
    const result = compileDefault();
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([]);
    expect(result.pipeline?.app).toBe('aura360');
  });

  it('has a source per topic read, the processors and joins, and a sink per topic written', () => {
    const p = pipeline();
    const byKind = (kind: string) =>
      Object.values(p.nodes)
        .filter((n) => n.kind === kind)
        .map((n) => n.id)
        .sort();
    expect(byKind('source')).toEqual(['context_aggregated-source', 'context_vectorized-source', 'guardian_requests-source', 'user_events-source']);
    expect(byKind('processor')).toEqual(['aggregate_context', 'guardian', 'ingest_vectors', 'split_events', 'vectorize_context']);
    expect(byKind('join')).toEqual(['mood_with_activity', 'requests_with_context']);
    expect(byKind('sink')).toEqual([
      'aggregate_context-to-context_aggregated',
      'guardian-to-guardian_chunks',
      'guardian-to-guardian_responses',
      'ingest_vectors-to-vectordb_ingest',
      'mood_with_activity-to-mood_activity',
      'vectorize_context-to-context_vectorized',
    ]);
    expect(p.nodes['user_events-source'].topic).toBe('user_events');
    expect(p.nodes['guardian-to-guardian_chunks'].topic).toBe('guardian_chunks');
  });

  it('connects nodes with ports', () => {
    const p = pipeline();
    expect(p.edges).toContainEqual({ from: 'user_events-source', port: 'default', to: 'aggregate_context' });
    expect(p.edges).toContainEqual({ from: 'user_events-source', port: 'default', to: 'split_events' });
    expect(p.edges).toContainEqual({ from: 'split_events', port: 'mood', to: 'mood_with_activity' });
    expect(p.edges).toContainEqual({ from: 'split_events', port: 'activity', to: 'mood_with_activity' });
    expect(p.edges).toContainEqual({ from: 'guardian_requests-source', port: 'default', to: 'requests_with_context' });
    expect(p.edges).toContainEqual({ from: 'requests_with_context', port: 'default', to: 'guardian' });
    expect(p.edges).toContainEqual({ from: 'guardian', port: 'responses', to: 'guardian-to-guardian_responses' });
    expect(p.edges).toContainEqual({ from: 'guardian', port: 'chunks', to: 'guardian-to-guardian_chunks' });
    expect(p.edges).toHaveLength(14);
  });

  it('splits sub-topologies at topics: aggregate + branch + stream-stream join share the user_events source', () => {
    const p = pipeline();
    expect(p.subtopologies).toHaveLength(4);
    const first = st(p, 'aggregate_context');
    expect(first.id).toBe(0);
    expect(first.nodes).toEqual(expect.arrayContaining(['user_events-source', 'split_events', 'mood_with_activity']));
    expect(first.sourceTopics).toEqual(['user_events']);
    expect(first.sinkTopics.sort()).toEqual(['context_aggregated', 'mood_activity']);
    expect(first.stores.sort()).toEqual(['mood_with_activity_left', 'mood_with_activity_right', 'user_context']);
    expect(st(p, 'vectorize_context').sourceTopics).toEqual(['context_aggregated']);
    expect(st(p, 'ingest_vectors').sourceTopics).toEqual(['context_vectorized']);
    const guardian = st(p, 'guardian');
    expect(guardian).toBe(st(p, 'requests_with_context'));
    expect(guardian.sourceTopics).toEqual(['guardian_requests']);
    expect(guardian.tableTopics).toEqual(['context_aggregated']);
    expect(guardian.stores).toEqual(['latest_context']);
    expect(new Set([first.id, st(p, 'vectorize_context').id, st(p, 'ingest_vectors').id, guardian.id]).size).toBe(4);
  });

  it('lists each sub-topology in topological order and numbers them in data-flow order', () => {
    const p = pipeline();
    for (const sub of p.subtopologies) {
      for (const edge of p.edges.filter((e) => sub.nodes.includes(e.from))) {
        expect(sub.nodes.indexOf(edge.from)).toBeLessThan(sub.nodes.indexOf(edge.to));
      }
    }
    expect(st(p, 'vectorize_context').id).toBeLessThan(st(p, 'ingest_vectors').id);
    expect(Object.keys(p.nodes)).toEqual(p.subtopologies.flatMap((s) => s.nodes));
  });

  it('derives changelog topics, and none for the table store', () => {
    const p = pipeline();
    expect(p.stores.user_context).toMatchObject({ kind: 'key_value', changelogTopic: 'aura360-user_context-changelog', ttlMs: 30 * 86_400_000 });
    expect(p.stores.latest_context).toMatchObject({ kind: 'key_value', changelogTopic: null, fromTopic: 'context_aggregated' });
    const changelog = p.topics['user_context-changelog'];
    expect(changelog).toMatchObject({ name: 'aura360-user_context-changelog', cleanup: 'compact', internal: true, partitions: 6 });
    expect(
      Object.values(p.topics)
        .filter((t) => t.internal)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['aura360-mood_with_activity_left-changelog', 'aura360-mood_with_activity_right-changelog', 'aura360-user_context-changelog']);
  });

  it('gives the stream-stream join two changelogged window stores covering size + grace', () => {
    const p = pipeline();
    const join = p.nodes.mood_with_activity;
    expect(join.join).toMatchObject({ kind: 'inner', left: 'split_events.mood', right: 'split_events.activity', windowSizeMs: 7_200_000, graceMs: 600_000 });
    expect(join.stores).toEqual(['mood_with_activity_left', 'mood_with_activity_right']);
    expect(p.stores.mood_with_activity_left).toMatchObject({ kind: 'window', retentionMs: 7_800_000, windowSizeMs: 7_200_000 });
    expect(p.topics['mood_with_activity_left-changelog']).toMatchObject({ cleanup: 'compact,delete', retentionMs: 7_800_000 + 86_400_000 });
    expect(p.nodes.requests_with_context.join).toMatchObject({ kind: 'left', left: 'guardian_requests', right: 'latest_context' });
    expect(p.nodes.requests_with_context.stores).toEqual(['latest_context']);
  });

  it('applies defaults to topics, processors and the pipeline', () => {
    const p = pipeline();
    expect(p.defaults).toEqual({
      partitions: 6,
      replication: 1,
      retentionMs: 7 * 86_400_000,
      processing: 'exactly_once',
      commitIntervalMs: 100,
      taskTimeoutMs: 300_000,
      onError: 'dead_letter',
      deadLetterTopic: 'dead_letters',
      stateDir: '.aura/state',
      key: 'user_id',
      cacheMaxBytes: 10 * 1024 * 1024,
      stateFlushIntervalMs: 1000,
      streamThreads: 1,
    });
    expect(p.topics.dead_letters).toMatchObject({
      name: 'aura360.dead-letters',
      retentionMs: 30 * 86_400_000,
      partitions: 6,
      cleanup: 'delete',
      key: 'user_id',
    });
    expect(p.topics.context_aggregated).toMatchObject({ cleanup: 'compact', schema: 'aggregated-context' });
    for (const sub of p.subtopologies) expect(sub.partitions).toBe(6);
    expect(p.nodes.vectorize_context).toMatchObject({
      concurrency: 4,
      onError: 'dead_letter',
      config: { embedder: 'embedder', text: 'summary_text', batch_size: 32 },
    });
    expect(p.nodes.guardian.config).toEqual({
      advisor: 'advisor',
      vectors: 'context_vectors',
      embedder: 'embedder',
      top_k: 3,
      chunk_words: 12,
      default_deadline: '30s',
      default_language: 'es',
    });
    expect(p.nodes.split_events.concurrency).toBe(1);
    expect(p.resources.context_vectors).toMatchObject({ type: 'embedded', config: { path: '.aura/vectors.db' } });
  });

  it('records where each node, topic and store is declared', () => {
    const p = pipeline();
    const lines = source.split('\n');
    const line = (text: string) => lines.findIndex((l) => l.startsWith(text)) + 1;
    expect(p.nodes.aggregate_context.loc).toEqual({ file: 'pipeline.yaml', line: line('  aggregate_context:'), col: 3 });
    expect(p.topics.user_events.loc?.line).toBe(line('  user_events:'));
    expect(p.stores.latest_context.loc?.line).toBe(line('  latest_context:'));
  });

  it('interpolates ${VAR:-default} from the given env, reading numbers as numbers', () => {
    const p = pipeline({ KAFKA_REPLICATION: '3', AURA_STATE_DIR: '/var/lib/aura' });
    expect(p.defaults.replication).toBe(3);
    expect(p.topics.user_events.replication).toBe(3);
    expect(p.topics['user_context-changelog'].replication).toBe(3);
    expect(p.defaults.stateDir).toBe('/var/lib/aura');
  });

  it('is JSON-serialisable as is (describe --format json is this object)', () => {
    const p = pipeline();
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('compilePipeline options and results', () => {
  it('reports a partition mismatch when the env changes one side of a join', () => {
    const edited = source.replace('    name: aura360.guardian.requests\n', '    name: aura360.guardian.requests\n    partitions: ${REQUEST_PARTITIONS:-6}\n');
    expect(compilePipeline(edited, 'p.yaml', { env: {} }).ok).toBe(true);
    const result = compilePipeline(edited, 'p.yaml', { env: { REQUEST_PARTITIONS: '12' } });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['NOT_COPARTITIONED']);
    expect(result.diagnostics[0].message).toContain('"guardian_requests" (12 partitions');
  });

  it('reads event schemas from schemasDir', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-schemas-'));
    try {
      const result = compilePipeline(source, 'pipeline.yaml', { env: {}, schemasDir: empty });
      expect(result.ok).toBe(false);
      expect(new Set(result.diagnostics.map((d) => d.code))).toEqual(new Set(['SCHEMA_NOT_FOUND']));
      expect(result.diagnostics).toHaveLength(8);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('gives the exact message of an unknown topic with a suggestion', () => {
    const broken = source.replace('    from: context_aggregated\n    to: context_vectorized', '    from: context_agregated\n    to: context_vectorized');
    const result = compilePipeline(broken, 'pipeline.yaml', { env: {} });
    const lineNo = broken.split('\n').findIndex((l) => l === '    from: context_agregated') + 1;
    expect(result.diagnostics).toEqual([
      {
        file: 'pipeline.yaml',
        line: lineNo,
        col: 11,
        severity: 'error',
        code: 'UNKNOWN_TOPIC',
        message: 'processor "vectorize_context" reads from unknown topic "context_agregated" (did you mean "context_aggregated"?)',
      },
    ]);
  });
});

describe('loadPipeline', () => {
  it('returns the pipeline of a valid file', () => {
    expect(loadPipeline(PIPELINE, { env: {} }).subtopologies).toHaveLength(4);
  });

  it('throws PIPELINE_INVALID carrying the diagnostics', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-load-'));
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'app: demo\ntopics:\n  a: { name: demo.a }\nprocessors:\n  p: { type: filter, from: b, config: { condition: "true" } }\n');
    try {
      let thrown: unknown;
      try {
        loadPipeline(file);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AuraError);
      const err = thrown as AuraError;
      expect(err.code).toBe('PIPELINE_INVALID');
      expect(err.message).toContain(`${file}:5:28 error UNKNOWN_NODE`);
      const diagnostics = err.details?.diagnostics as Array<{ code: string }>;
      expect(diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_NODE']);
      expect(() => loadPipeline(path.join(dir, 'missing.yaml'))).toThrow(/cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
