/** Reading `aura test` files: structure, times, and problems at their line and column. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestFile } from './test-file.js';

const FILE = path.join('/tmp', 'case', 'pipeline.test.yaml');

describe('parseTestFile', () => {
  it('reads tests, resolving the pipeline beside the file and parsing times and durations', () => {
    const r = parseTestFile(
      `pipeline: ../p/pipeline.yaml
env: { LIMIT: 5, ON: true }
start_time: 2026-01-01T00:00:00Z
tests:
  - name: one
    input:
      events:
        - { key: a, value: { x: 1 }, timestamp: 2026-01-01T00:00:01Z }
        - { value: 2, timestamp: 7 }
    advance_wall_clock: 2m
    expect_output:
      out: [{ key: a }, { value: { y: 2 } }]
    expect_store:
      kv: { a: { n: 1 }, b: null }
  - name: two
    start_time: 1000
    input:
      - { a: [{ key: k, value: 1 }] }
      - { b: [{ key: k, value: 2 }], a: [{ key: k, value: 3 }] }
`,
      FILE,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const tf = r.testFile;
    expect(tf.pipelineFile).toBe(path.resolve('/tmp/p/pipeline.yaml'));
    expect(tf.env).toEqual({ LIMIT: '5', ON: 'true' });
    expect(tf.embedders).toBe('hashing');
    expect(tf.startTime).toBe(Date.UTC(2026, 0, 1));
    const [one, two] = tf.tests;
    expect(one!.input).toEqual([
      {
        topic: 'events',
        path: ['tests', 0, 'input', 'events'],
        records: [
          { key: 'a', value: { x: 1 }, headers: undefined, timestamp: Date.UTC(2026, 0, 1, 0, 0, 1) },
          { key: null, value: 2, headers: undefined, timestamp: 7 },
        ],
      },
    ]);
    expect(one!.advanceWallClockMs).toBe(120_000);
    expect(one!.expectOutput[0]!.records.map((r) => ({ key: r.key, value: r.value }))).toEqual([
      { key: 'a', value: undefined },
      { key: undefined, value: { y: 2 } },
    ]);
    expect(one!.expectStore[0]!.entries.map((e) => [e.key, e.value])).toEqual([
      ['a', { n: 1 }],
      ['b', null],
    ]);
    expect(two!.startTime).toBe(1000);
    expect(two!.input.map((b) => `${b.topic}:${b.records[0]!.value as number}`)).toEqual(['a:1', 'b:2', 'a:3']);
    expect(tf.locate(['tests', 1, 'start_time'])).toEqual({ line: 16, col: 17 });
  });

  it('reports every problem at its line and column', () => {
    const r = parseTestFile(
      `pipeline: p.yaml
tests:
  - name: a
    inputs: {}
  - name: b
    input: { t: [{ key: 1, value: 1 }] }
    advance_wall_clock: soon
  - name: c
    input: { t: [{ value: 1, timestamp: yesterday }] }
`,
      FILE,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      '3:5 tests.0 needs "input"',
      '4:5 unknown field "inputs" in tests.0 (did you mean "input"?)',
      '6:25 tests.1.input.t.0.key must be string or null',
      '7:25 tests.1.advance_wall_clock must be a duration such as 500ms, 30s, 10m, 2h or 7d (or a number of milliseconds)',
    ]);
    const bad = parseTestFile('pipeline: p.yaml\ntests:\n  - name: c\n    input: { t: [{ value: 1, timestamp: yesterday }] }\n', FILE);
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      '4:41 "yesterday" is not a time: write epoch milliseconds or an ISO 8601 date',
    ]);
    const syntax = parseTestFile('pipeline: [\n', FILE);
    expect(syntax.ok).toBe(false);
  });
});
