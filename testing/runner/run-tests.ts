/**
 * Runs the cases of an `aura test` file: the pipeline is compiled once, each
 * test gets a fresh TopologyTestDriver (its own log, state and resources),
 * pipes its input batch by batch, optionally moves the wall clock, then checks
 * its expectations. A test fails on its first unmet expectation.
 */
import { AuraError, errorMessage } from '../../common/errors.js';
import { closest } from '../../common/suggest.js';
import { loadPipeline } from '../../topology/compile.js';
import { formatDiagnostic } from '../../topology/format-diagnostics.js';
import type { Diagnostic, Pipeline } from '../../topology/model.js';
import type { Path } from '../../topology/source-doc.js';
import { TopologyTestDriver } from '../test-driver.js';
import { checkOutput, checkStore, type Failure } from './expectations.js';
import { loadTestFile, type TestCase, type TestFile, type TestFileProblem } from './test-file.js';
import { testResources } from './test-resources.js';

export interface TestResult {
  name: string;
  passed: boolean;
  durationMs: number;
  failure?: Failure & { line: number; col: number };
}

export interface FileReport {
  file: string;
  pipelineFile?: string;
  /** Problems that kept the file from running (unreadable, invalid, unknown topic...). */
  problems: TestFileProblem[];
  results: TestResult[];
}

export interface RunOptions {
  /** Base environment for `${VAR}` in the pipeline; the file's `env:` is laid over it. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Runs only tests whose name contains this text. */
  filter?: string;
  /** Called once the pipeline compiled, before the first test runs (progress output). */
  onStart?(pipelineFile: string): void;
  /** Called as each test finishes (progress output). */
  onResult?(result: TestResult): void;
}

export async function runTestFile(file: string, options: RunOptions = {}): Promise<FileReport> {
  const loaded = loadTestFile(file);
  if (!loaded.ok) return { file, problems: loaded.problems, results: [] };
  const tf = loaded.testFile;
  const env = { ...(options.env ?? process.env), ...tf.env };
  let pipeline: Pipeline;
  try {
    pipeline = loadPipeline(tf.pipelineFile, { env });
  } catch (err) {
    const diagnostics = (err instanceof AuraError ? (err.details?.diagnostics as Diagnostic[] | undefined) : undefined)?.filter((d) => d.severity === 'error');
    const problems = diagnostics?.length
      ? diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, message: formatDiagnostic(d).slice(`${d.file}:${d.line}:${d.col} `.length) }))
      : [{ file, ...tf.locate(['pipeline']), message: errorMessage(err) }];
    return { file, pipelineFile: tf.pipelineFile, problems, results: [] };
  }
  const problems = checkReferences(tf, pipeline);
  if (problems.length > 0) return { file, pipelineFile: tf.pipelineFile, problems, results: [] };

  options.onStart?.(tf.pipelineFile);
  const results: TestResult[] = [];
  for (const test of tf.tests) {
    if (options.filter && !test.name.includes(options.filter)) continue;
    const result = await runTest(tf, pipeline, test);
    results.push(result);
    options.onResult?.(result);
  }
  return { file, pipelineFile: tf.pipelineFile, problems: [], results };
}

async function runTest(tf: TestFile, pipeline: Pipeline, test: TestCase): Promise<TestResult> {
  const started = performance.now();
  let failure: Failure | undefined;
  let driver: TopologyTestDriver | undefined;
  try {
    driver = await TopologyTestDriver.create(pipeline, { resources: testResources(pipeline, tf.embedders), startTime: test.startTime ?? tf.startTime });
    for (const batch of test.input) await driver.pipeInput(batch.topic, batch.records);
    if (test.advanceWallClockMs !== undefined) await driver.advanceWallClock(test.advanceWallClockMs);
    for (const exp of test.expectOutput) {
      failure = checkOutput(exp, await driver.readOutput(exp.topic));
      if (failure) break;
    }
    for (const exp of failure ? [] : test.expectStore) {
      failure = checkStore(exp, pipeline, driver);
      if (failure) break;
    }
  } catch (err) {
    failure = { message: `the pipeline failed: ${errorMessage(err)}`, details: [], path: test.path };
  } finally {
    await driver?.close().catch(() => undefined);
  }
  const durationMs = Math.round(performance.now() - started);
  if (!failure) return { name: test.name, passed: true, durationMs };
  return { name: test.name, passed: false, durationMs, failure: { ...failure, ...tf.locate(failure.path) } };
}

/** Topic and store ids the tests name must exist in the pipeline (with a "did you mean"). */
function checkReferences(tf: TestFile, pipeline: Pipeline): TestFileProblem[] {
  const problems: TestFileProblem[] = [];
  const check = (id: string, known: Record<string, unknown>, what: string, path: Path) => {
    if (id in known) return;
    const hint = closest(id, Object.keys(known));
    problems.push({
      file: tf.file,
      ...tf.locate(path, 'key'),
      message: `unknown ${what} "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}; the pipeline has: ${Object.keys(known).join(', ')}`,
    });
  };
  const topics = Object.fromEntries(Object.entries(pipeline.topics).filter(([, t]) => !t.internal));
  for (const test of tf.tests) {
    for (const b of test.input) check(b.topic, topics, 'topic', b.path);
    for (const o of test.expectOutput) check(o.topic, topics, 'topic', o.path);
    for (const s of test.expectStore) check(s.store, pipeline.stores, 'store', s.path);
  }
  return problems;
}
