/**
 * `aura test` as a user runs it (node bin/aura.js test ...): the example
 * pipeline.test.yaml of the repository passes; a failing fixture exits 1 and
 * says what differed, where.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

async function aura(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.AURA_VECTOR_DB;
  delete env.AURA_STATE_DIR;
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/aura.js', 'test', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Test durations vary: "(123 ms)" becomes "(… ms)". */
const stable = (text: string) => text.replace(/\(\d+ ms\)/g, '(… ms)');

describe('aura test', () => {
  it('runs pipeline.test.yaml by default and exits 0 when every test passes', async () => {
    const { code, stdout } = await aura();
    expect(code).toBe(0);
    expect(stable(stdout)).toBe(
      [
        'pipeline.test.yaml (pipeline pipeline.yaml)',
        "  ✓ a mood entry becomes the user's aggregated context (… ms)",
        '  ✓ moods average over the window and pair with an activity within two hours (… ms)',
        "  ✓ the Guardian answers a request with the user's latest context (… ms)",
        "  ✓ the Guardian answers a Spanish request in Spanish, from the user's Spanish note (… ms)",
        "  ✓ a user's context is dropped after 30 days without events (store ttl) (… ms)",
        '',
        '5 passed, 0 failed',
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('exits 1 and shows the first difference of each failed test, with its line', async () => {
    const { code, stdout } = await aura('testing/runner/fixtures/failing.test.yaml');
    expect(code).toBe(1);
    const F = 'testing/runner/fixtures/failing.test.yaml';
    expect(stable(stdout)).toBe(
      [
        `${F} (pipeline testing/runner/fixtures/words.yaml)`,
        '  ✓ passes (… ms)',
        '  ✗ expects the wrong count (… ms)',
        `      ${F}:20:35 expect_output.counts[1]: value.n differs`,
        '        expected: 3',
        '        actual:   2',
        '        record:   {"key":"ana","value":{"key":"ana","n":2,"last":"again"}}',
        '  ✗ expects a record that never comes (… ms)',
        `      ${F}:28:11 expect_output.long_words (key "bo"): expected 1 record, got 0 records`,
        '',
        '1 passed, 2 failed',
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('finds <name>.test.yaml beside a pipeline, runs a directory, and exits 1 on a broken test file', async () => {
    const beside = await aura('testing/runner/fixtures/words.yaml', '--filter', 'below');
    expect(beside.code).toBe(0);
    expect(stable(beside.stdout)).toContain(
      'testing/runner/fixtures/words.test.yaml (pipeline testing/runner/fixtures/words.yaml)\n  ✓ a word below the minimum length is not kept (… ms)\n\n1 passed, 0 failed\n',
    );
    const dir = await aura('testing/runner/fixtures', '--filter', 'typo');
    expect(dir.code).toBe(1);
    expect(dir.stdout).toContain('testing/runner/fixtures/invalid.test.yaml:4:5 error unknown field "inputs" in tests.0 (did you mean "input"?)');
    expect(dir.stdout).toContain('testing/runner/fixtures/unknown-topic.test.yaml:5:7 error unknown topic "word" (did you mean "words"?)');
    expect(dir.stdout.trimEnd().split('\n').slice(-2)).toEqual(['2 test files could not run', '0 passed, 0 failed']);
  }, 60_000);
});
