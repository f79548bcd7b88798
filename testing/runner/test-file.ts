/**
 * The `aura test` file: YAML test cases for a pipeline, in the spirit of
 * Redpanda Connect's config unit tests. Read with positions kept, so that every
 * problem — and later every failed expectation — points at its line.
 *
 *   pipeline: pipeline.yaml
 *   tests:
 *     - name: a mood entry is aggregated
 *       input: { user_events: [{ key: u1, value: {...} }] }
 *       expect_output: { context_aggregated: [{ key: u1, value: { mood: { count: 1 } } }] }
 *       expect_store: { user_context: { u1: { version: 1 } } }
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { closest } from '../../common/suggest.js';
import { parseDuration } from '../../schemas/duration.js';
import { validatorFor } from '../../topology/ajv.js';
import { type Path, type Position, SourceDoc, type Target } from '../../topology/source-doc.js';
import { testFileSchema } from './test-file-schema.js';

export interface InputRecord {
  key: string | null;
  value: unknown;
  timestamp?: number;
  headers?: Record<string, string>;
}

/** One topic's records to pipe, and where they were written. */
export interface InputBatch {
  topic: string;
  records: InputRecord[];
  path: Path;
}

export interface ExpectedRecord {
  /** Undefined: the key is not checked. */
  key?: string | null;
  /** Undefined: the value is not checked. */
  value?: unknown;
  headers?: Record<string, string>;
  path: Path;
}

export interface ExpectedOutput {
  topic: string;
  records: ExpectedRecord[];
  path: Path;
}

export interface ExpectedStore {
  store: string;
  entries: Array<{ key: string; value: unknown; path: Path }>;
  path: Path;
}

export interface TestCase {
  name: string;
  path: Path;
  /** Batches in the order written; each is piped and settled before the next. */
  input: InputBatch[];
  advanceWallClockMs?: number;
  startTime?: number;
  expectOutput: ExpectedOutput[];
  expectStore: ExpectedStore[];
}

export interface TestFile {
  file: string;
  /** Absolute path of the pipeline under test. */
  pipelineFile: string;
  env: Record<string, string>;
  /** `hashing` (default): MiniLM embedders are replaced by the hashing embedder; `declared`: as the pipeline says. */
  embedders: 'hashing' | 'declared';
  startTime?: number;
  tests: TestCase[];
  /** Line and column of the node at `path` (its key with `target: 'key'`). */
  locate(path: Path, target?: Target): Position;
}

export interface TestFileProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export type LoadResult = { ok: true; testFile: TestFile } | { ok: false; problems: TestFileProblem[] };

export function loadTestFile(file: string): LoadResult {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, problems: [{ file, line: 1, col: 1, message: `cannot read ${file}: ${reason}` }] };
  }
  return parseTestFile(source, file);
}

export function parseTestFile(source: string, file: string): LoadResult {
  const src = new SourceDoc(source, file);
  const at = (p: Path, message: string, target: Target = 'value'): TestFileProblem => ({ file, ...src.locate(p, target), message });
  const syntax = src.problems().map((p) => ({ file, ...src.position(p.offset), message: p.message }));
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const data = src.toData();
  const validate = validatorFor(testFileSchema);
  if (!validate(data))
    return {
      ok: false,
      problems: deepest(validate.errors ?? []).map((e) => at(errorPath(e), errorText(e), e.keyword === 'additionalProperties' ? 'key' : 'value')),
    };

  const problems: TestFileProblem[] = [];
  const time = (value: unknown, p: Path): number | undefined => {
    if (value === undefined) return undefined;
    const ms = typeof value === 'number' ? value : Date.parse(String(value));
    if (Number.isNaN(ms)) problems.push(at(p, `"${String(value)}" is not a time: write epoch milliseconds or an ISO 8601 date`));
    return ms;
  };
  const doc = data as RawFile;
  const tests = doc.tests.map((t, i): TestCase => {
    const base: Path = ['tests', i];
    const steps = Array.isArray(t.input)
      ? t.input.map((step, s) => ({ step, p: [...base, 'input', s] as Path }))
      : [{ step: t.input, p: [...base, 'input'] as Path }];
    return {
      name: t.name,
      path: base,
      input: steps.flatMap(({ step, p }) =>
        Object.entries(step).map(([topic, records]) => ({
          topic,
          path: [...p, topic],
          records: records.map((r, j) => ({
            key: r.key ?? null,
            value: r.value ?? null,
            headers: r.headers,
            timestamp: time(r.timestamp, [...p, topic, j, 'timestamp']),
          })),
        })),
      ),
      advanceWallClockMs: t.advance_wall_clock === undefined ? undefined : parseDuration(t.advance_wall_clock),
      startTime: time(t.start_time, [...base, 'start_time']),
      expectOutput: Object.entries(t.expect_output ?? {}).map(([topic, records]) => ({
        topic,
        path: [...base, 'expect_output', topic],
        records: records.map((r, j) => ({ ...r, path: [...base, 'expect_output', topic, j] })),
      })),
      expectStore: Object.entries(t.expect_store ?? {}).map(([store, entries]) => ({
        store,
        path: [...base, 'expect_store', store],
        entries: Object.entries(entries).map(([key, value]) => ({ key, value, path: [...base, 'expect_store', store, key] })),
      })),
    };
  });
  const startTime = time(doc.start_time, ['start_time']);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    testFile: {
      file,
      pipelineFile: path.resolve(path.dirname(path.resolve(file)), doc.pipeline),
      env: Object.fromEntries(Object.entries(doc.env ?? {}).map(([k, v]) => [k, String(v)])),
      embedders: doc.embedders ?? 'hashing',
      startTime,
      tests,
      locate: (p, target) => src.locate(p, target),
    },
  };
}

interface RawRecord {
  key?: string | null;
  value?: unknown;
  timestamp?: number | string;
  headers?: Record<string, string>;
}
type RawInput = Record<string, RawRecord[]>;
interface RawFile {
  pipeline: string;
  env?: Record<string, string | number | boolean>;
  embedders?: 'hashing' | 'declared';
  start_time?: number | string;
  tests: Array<{
    name: string;
    input: RawInput | RawInput[];
    advance_wall_clock?: number | string;
    start_time?: number | string;
    expect_output?: Record<string, Array<Omit<ExpectedRecord, 'path'>>>;
    expect_store?: Record<string, Record<string, unknown>>;
  }>;
}

/**
 * `input` is a map or a list of maps, so ajv explains a bad record once per alternative; the
 * error deepest in the document is the one that names the real problem.
 */
function deepest(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const id = `${e.instancePath}|${errorText(e)}`;
    const deeper = errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`));
    const explained = e.keyword === 'anyOf' && errors.some((o) => o !== e && o.instancePath === e.instancePath);
    if (seen.has(id) || deeper || explained) return false;
    seen.add(id);
    return true;
  });
}

function errorPath(e: ErrorObject): Path {
  const p: Path =
    e.instancePath === ''
      ? []
      : e.instancePath
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') return [...p, (e.params as { additionalProperty: string }).additionalProperty];
  return p;
}

function errorText(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the test file' : e.instancePath.slice(1).replace(/\//g, '.');
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      const hint = closest(field, Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}));
      return `unknown field "${field}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'required':
      return `${where} needs "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${where} must be ${[(e.params as { type: string | string[] }).type].flat().join(' or ')}`;
    case 'pattern':
      return `${where} must be a duration such as 500ms, 30s, 10m, 2h or 7d (or a number of milliseconds)`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}
