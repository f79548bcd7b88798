/**
 * Every broken pipeline under fixtures/invalid declares the diagnostics it must
 * produce (`# expect: LINE:COL SEVERITY CODE`, one per line); the compiler must
 * report exactly those, at exactly those positions. `# schemas-dir: <dir>`
 * points a fixture at its own event schemas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from './compile.js';
import { DiagnosticCodes } from './diagnostic-codes.js';

const dir = fileURLToPath(new URL('./fixtures/invalid/', import.meta.url));
const fixtures = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function expectations(source: string): string[] {
  return [...source.matchAll(/^# expect: (\d+:\d+ (?:error|warning) [A-Z_]+)\s*$/gm)].map((m) => m[1]).sort();
}

function compileFixture(file: string) {
  const source = fs.readFileSync(path.join(dir, file), 'utf8');
  const schemasDir = /^# schemas-dir: (.+)$/m.exec(source)?.[1];
  const result = compilePipeline(source, file, { env: {}, schemasDir: schemasDir ? path.resolve(dir, schemasDir) : undefined });
  return { source, result };
}

describe('invalid pipeline fixtures', () => {
  it('has at least 15 fixtures, covering every error code the compiler can raise from YAML', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    const covered = new Set(fixtures.flatMap((f) => expectations(fs.readFileSync(path.join(dir, f), 'utf8')).map((e) => e.split(' ')[2])));
    // FILE_UNREADABLE is about the file, not its content: covered by the CLI tests.
    const missing = Object.keys(DiagnosticCodes).filter((code) => code !== 'FILE_UNREADABLE' && !covered.has(code));
    expect(missing).toEqual([]);
  });

  it('has a fixture with several errors at once and one with a YAML syntax error', () => {
    const counts = fixtures.map((f) => expectations(fs.readFileSync(path.join(dir, f), 'utf8')));
    expect(counts.some((e) => new Set(e.map((x) => x.split(' ')[2])).size >= 5)).toBe(true);
    expect(counts.some((e) => e.some((x) => x.endsWith('YAML_SYNTAX')))).toBe(true);
  });

  for (const file of fixtures) {
    it(`${file}: reports exactly the expected diagnostics`, () => {
      const { source, result } = compileFixture(file);
      const expected = expectations(source);
      expect(expected.length, 'the fixture declares what it expects').toBeGreaterThan(0);
      const actual = result.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code}`).sort();
      expect(actual).toEqual(expected);
      expect(result.ok).toBe(!expected.some((e) => e.includes(' error ')));
      for (const d of result.diagnostics) {
        expect(d.file).toBe(file);
        expect(d.message.length).toBeGreaterThan(10);
      }
    });
  }
});
