/**
 * Which topics the compiler fuses and which it does not, each with its
 * reason: the default pipeline's chain, and one pipeline per rule that keeps
 * a topic a hop between tasks.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineProcessor } from '../processors/define.js';
import { builtinProcessors } from '../processors/registry.js';
import { object } from '../schemas/config-schema.js';
import { compileInline } from '../testing/inline-driver.js';
import { loadPipeline } from './compile.js';
import { describeText } from './describe/index.js';
import type { Pipeline } from './model.js';

const decision = (p: Pipeline, topic: string) => p.fusion.find((d) => d.topic === topic)!;
const fusedInto = (p: Pipeline) => Object.fromEntries(p.subtopologies.map((st) => [st.id, st.fusedInto ?? null]));

/** app, three topics a → b → c: `first` reads a and writes b, `second` reads b and writes c. */
function chain(options: { topicB?: string; first?: string; second?: string; partitions?: number; extra?: string } = {}): Pipeline {
  return compileInline(`
app: fusion-test
defaults: { partitions: ${options.partitions ?? 4} }
topics:
  a: { name: f.a }
  b: { name: f.b${options.topicB ? `, ${options.topicB}` : ''} }
  c: { name: f.c }
${options.extra ?? ''}
processors:
  first:
    ${options.first ?? 'type: filter\n    config: { condition: "true" }'}
    from: a
    to: b
  second:
    ${options.second ?? 'type: filter\n    config: { condition: "true" }'}
    from: b
    to: c
`);
}

describe('fusion decisions', () => {
  it('fuses the default pipeline into one chain: aggregate → vectorize → ingest, each topic still written', () => {
    const p = loadPipeline(path.resolve(import.meta.dirname, '../pipeline.yaml'), { env: {} });
    expect(fusedInto(p)).toEqual({ 0: null, 1: 0, 2: 0, 3: null });
    expect(decision(p, 'context_aggregated')).toMatchObject({ fused: true, writer: 0, reader: 1 });
    expect(decision(p, 'context_aggregated').reason).toContain('the table "latest_context" still reads the topic');
    expect(decision(p, 'context_vectorized')).toMatchObject({ fused: true, writer: 1, reader: 2 });
    expect(decision(p, 'context_vectorized').reason).toContain('itself fused into 0');
    expect(decision(p, 'user_events')).toMatchObject({ fused: false, reason: 'no processor writes it: its records come from outside the pipeline' });
    expect(decision(p, 'vectordb_ingest')).toMatchObject({ fused: false, reason: 'no processor of the pipeline reads it' });
    expect(decision(p, 'dead_letters').reason).toMatch(/^the dead letter topic/);
    // A decision for every declared topic, none for changelogs.
    expect(p.fusion.map((d) => d.topic)).toEqual(
      Object.values(p.topics)
        .filter((t) => !t.internal)
        .map((t) => t.id),
    );
    // `aura describe` shows the chain, its tasks and every topic's decision.
    const text = describeText(p);
    expect(text).toContain('Sub-topology: 0 (partitions: 6, tasks: 0_0..0_5, source topics: [aura360.user.events], fused chain: 0 → 1 → 2)');
    expect(text).toContain('Sub-topology: 2 (fused into 0: runs in tasks 0_0..0_5, its input [aura360.context.vectorized] passed in memory)');
    expect(text).toContain('fused: sub-topology 1 reads it in memory, the topic still receives every record');
    expect(text).toContain(`Topic: context_aggregated: fused (${decision(p, 'context_aggregated').reason})`);
  });

  it('fuses a plain chain, and not what fuse: false keeps apart', () => {
    expect(fusedInto(chain())).toEqual({ 0: null, 1: 0 });
    const p = chain({ topicB: 'fuse: false' });
    expect(fusedInto(p)).toEqual({ 0: null, 1: null });
    expect(decision(p, 'b')).toMatchObject({ fused: false, reason: 'fuse: false', writer: 0, reader: 1 });
  });

  it("does not fuse a topic whose partition count differs from its writer's tasks", () => {
    const p = chain({ topicB: 'partitions: 8' });
    expect(decision(p, 'b')).toMatchObject({
      fused: false,
      reason: "8 partitions, the writer's tasks 4: a record would belong to another task than the one that wrote it",
    });
  });

  it('does not fuse after a re-key: map with key, aggregate grouped by a field, or a type that says so', () => {
    const map = chain({ first: 'type: map\n    config: { key: "data.kind" }' });
    expect(decision(map, 'b')).toMatchObject({ fused: false, reason: 'processor "first" may change the key between the writer\'s input and the topic' });
    // A map that only changes values keeps the key.
    expect(decision(chain({ first: 'type: map\n    config: { value: "{ \\"x\\": 1 }" }' }), 'b').fused).toBe(true);
    const grouped = chain({
      first: 'type: aggregate\n    store: s\n    config: { key: data.kind, aggregations: { n: { op: count } } }',
      extra: 'stores:\n  s: { kind: key_value }',
    });
    expect(decision(grouped, 'b').reason).toBe('processor "first" may change the key between the writer\'s input and the topic');
    const perKey = chain({
      first: 'type: aggregate\n    store: s\n    config: { aggregations: { n: { op: count } } }',
      extra: 'stores:\n  s: { kind: key_value }',
    });
    expect(decision(perKey, 'b').fused).toBe(true);

    const rekeyer = defineProcessor({
      type: 'rekeyer',
      summary: 's',
      description: 'd',
      config: object({}),
      examples: [],
      changesKey: () => true,
      create: () => ({ process() {} }),
    });
    const processors = builtinProcessors.with(rekeyer);
    const custom = compileInline(
      'app: f\ntopics:\n  a: { name: f.a }\n  b: { name: f.b }\n  c: { name: f.c }\nprocessors:\n  first: { type: rekeyer, from: a, to: b }\n  second: { type: filter, from: b, to: c, config: { condition: "true" } }\n',
      {},
      processors,
    );
    expect(decision(custom, 'b').reason).toBe('processor "first" may change the key between the writer\'s input and the topic');
  });

  it("does not fuse a topic keyed by another field than its writer's input", () => {
    const p = chain({ topicB: 'key: session_id' });
    expect(decision(p, 'b').reason).toBe('keyed by "session_id" while its writer\'s input is keyed by "user_id"');
  });

  it('does not fuse a topic with delivery: immediate', () => {
    expect(decision(chain({ topicB: 'delivery: immediate' }), 'b').reason).toMatch(/^delivery: immediate: its records leave outside the transaction/);
  });

  it('does not fuse when the reader also consumes other topics or keeps a table from the log', () => {
    const join = compileInline(`
app: f
topics:
  a: { name: f.a }
  b: { name: f.b }
  other: { name: f.other }
  out: { name: f.out }
processors:
  first: { type: filter, from: a, to: b, config: { condition: "true" } }
joins:
  pair: { type: stream_stream, left: b, right: other, kind: inner, window: { size: 1m }, to: out }
`);
    expect(decision(join, 'b').reason).toBe(
      `its reader, sub-topology ${decision(join, 'b').reader}, also reads "other", which its tasks must consume from the log`,
    );
    const table = compileInline(`
app: f
topics:
  a: { name: f.a }
  b: { name: f.b }
  profiles: { name: f.profiles, cleanup: compact }
  out: { name: f.out }
stores:
  profile_table: { kind: key_value, from: profiles }
processors:
  first: { type: filter, from: a, to: b, config: { condition: "true" } }
joins:
  enrich: { type: stream_table, left: b, right: profile_table, kind: left, to: out }
`);
    expect(decision(table, 'b').reason).toMatch(/keeps the table of "profiles", updated from the log$/);
    expect(decision(table, 'profiles').reason).toBe('no processor writes it: its records come from outside the pipeline');
  });

  it('does not fuse a topic written by two sub-topologies, nor one read only as a table', () => {
    const two = compileInline(`
app: f
topics:
  a: { name: f.a }
  a2: { name: f.a2 }
  b: { name: f.b, cleanup: compact }
  c: { name: f.c }
stores:
  latest: { kind: key_value, from: b }
processors:
  first: { type: filter, from: a, to: b, config: { condition: "true" } }
  also: { type: filter, from: a2, to: b, config: { condition: "true" } }
  second: { type: filter, from: b, to: c, config: { condition: "true" } }
`);
    expect(decision(two, 'b').reason).toMatch(/^written by sub-topologies \d and \d: a reader can run in the tasks of one writer only$/);
    const tableOnly = compileInline(`
app: f
topics:
  a: { name: f.a }
  b: { name: f.b, cleanup: compact }
  q: { name: f.q }
  out: { name: f.out }
stores:
  latest: { kind: key_value, from: b }
processors:
  first: { type: filter, from: a, to: b, config: { condition: "true" } }
joins:
  look: { type: stream_table, left: q, right: latest, kind: left, to: out }
`);
    expect(decision(tableOnly, 'b')).toMatchObject({ fused: false, reason: 'read only as the table "latest": a table is read from the topic' });
  });
});
