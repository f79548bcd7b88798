/**
 * runTestFile on the fixtures in testing/runner/fixtures: passing cases,
 * failures located at the expectation that was not met, broken files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTestFile } from './run-tests.js';

const DIR = path.resolve(import.meta.dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-test-runner-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of a fixture test file with some text replaced, beside the fixture pipeline. */
function variant(name: string, replace: Array<[string, string]>): string {
  let text = fs.readFileSync(path.join(DIR, name), 'utf8').replace('pipeline: words.yaml', `pipeline: ${path.join(DIR, 'words.yaml')}`);
  for (const [from, to] of replace) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.test.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe('runTestFile', () => {
  it('passes the cases whose expectations hold (outputs per key, key-value and window stores, env)', async () => {
    const report = await runTestFile(path.join(DIR, 'words.test.yaml'), { env: {} });
    expect(report.problems).toEqual([]);
    expect(report.results.map((r) => [r.name, r.passed, r.failure?.message])).toEqual([
      ['shouts every word and counts them per author', true, undefined],
      ['a word below the minimum length is not kept', true, undefined],
    ]);
  });

  it("fails a test on its first unmet expectation, at that expectation's line", async () => {
    const report = await runTestFile(path.join(DIR, 'failing.test.yaml'), { env: {} });
    const [pass, wrong, missing] = report.results;
    expect(pass!.passed).toBe(true);
    expect(wrong!.failure).toMatchObject({ line: 20, col: 35, message: 'expect_output.counts[1]: value.n differs' });
    expect(wrong!.failure!.details.slice(0, 2)).toEqual(['expected: 3', 'actual:   2']);
    expect(missing!.failure).toMatchObject({ line: 28, col: 11, message: 'expect_output.long_words (key "bo"): expected 1 record, got 0 records' });
  });

  it('checks stores: a row that should be gone, a window list, a missing row', async () => {
    const cases: Array<[Array<[string, string]>, string]> = [
      [[['ana: { n: { v: 2 }, last: { v: topology } }', 'ana: null']], 'expect_store.word_counts["ana"]: expected no row, found one'],
      [[['bo: [{ start: 1767261600000 }]', 'bo: []']], 'expect_store.minute_counts["bo"]: length differs'],
      [[['bo: { n: { v: 1 } }', 'zed: { n: { v: 1 } }']], 'expect_store.word_counts["zed"]: no row for this key'],
      [[['last: { v: topology }', 'last: { v: hello }']], 'expect_store.word_counts["ana"]: last.v differs'],
    ];
    for (const [replace, message] of cases) {
      const report = await runTestFile(variant('words.test.yaml', replace), { env: {}, filter: 'shouts' });
      expect(report.problems).toEqual([]);
      expect(report.results).toHaveLength(1);
      expect(report.results[0]!.failure?.message).toBe(message);
    }
  });

  it('compares records without keys in the order they were read', async () => {
    const file = variant('words.test.yaml', [
      ['      long_words: []', '      long_words: []\n      shouted: [{ value: { word: SHORT } }, { value: { word: EXTRA } }]'],
    ]);
    const report = await runTestFile(file, { env: {}, filter: 'below' });
    expect(report.results[0]!.failure?.message).toBe('expect_output.shouted: expected 2 records, got 1 record');
    expect(report.results[0]!.failure?.details).toEqual(['got:      key "cy" {"word":"SHORT","by":"cy"}']);
  });

  it('reports a broken file or pipeline instead of running it', async () => {
    const invalid = await runTestFile(path.join(DIR, 'invalid.test.yaml'));
    expect(invalid.results).toEqual([]);
    expect(invalid.problems.map((p) => `${p.line}:${p.col}`)).toEqual(['3:5', '4:5']);
    const unknown = await runTestFile(path.join(DIR, 'unknown-topic.test.yaml'));
    expect(unknown.problems.map((p) => p.message)).toEqual([
      'unknown topic "word" (did you mean "words"?); the pipeline has: words, shouted, long_words, counts',
    ]);
    const noPipeline = await runTestFile(variant('failing.test.yaml', [[path.join(DIR, 'words.yaml'), path.join(DIR, 'nope.yaml')]]));
    expect(noPipeline.problems[0]!.message).toMatch(/cannot read .*nope\.yaml/);
  });
});
