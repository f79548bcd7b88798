/**
 * The real `aura` CLI (node bin/aura.js) as a user runs it: exit codes and the
 * exact output formats.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../topology/compile.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** Runs `node bin/aura.js ...args` in the repository root, without the pipeline's optional env vars. */
async function aura(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.KAFKA_REPLICATION;
  delete env.AURA_STATE_DIR;
  delete env.AURA_VECTOR_DB;
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/aura.js', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const LINE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+) (?<severity>error|warning) (?<code>[A-Z_]+) (?<message>.+)$/;
const MANY = 'topology/fixtures/invalid/many-errors.yaml';

describe('aura validate', () => {
  it('exits 0 on the default pipeline with a one-line summary', async () => {
    const { code, stdout } = await aura('validate');
    expect(code).toBe(0);
    expect(stdout).toBe('pipeline.yaml: valid — 4 sub-topologies, 7 processors and joins, 9 topics (+3 changelogs); 0 errors, 0 warnings\n');
  });

  it('exits 1 and prints file:line:col severity CODE message per problem, then a summary', async () => {
    const { code, stdout } = await aura('validate', MANY);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    const expected = compilePipeline(fs.readFileSync(path.join(ROOT, MANY), 'utf8'), MANY).diagnostics;
    expect(lines).toHaveLength(expected.length + 1);
    lines.slice(0, -1).forEach((line, i) => {
      const m = LINE.exec(line)?.groups;
      expect(m, line).toBeDefined();
      expect(m).toEqual({
        file: MANY,
        line: String(expected[i].line),
        col: String(expected[i].col),
        severity: expected[i].severity,
        code: expected[i].code,
        message: expected[i].message,
      });
    });
    expect(lines).toContain(
      `${MANY}:38:11 error UNKNOWN_TOPIC processor "vectorize_context" reads from unknown topic "context_agregated" (did you mean "context_aggregated"?)`,
    );
    expect(lines[lines.length - 1]).toBe(`${MANY}: ${expected.length} errors, 0 warnings`);
  });

  it('prints JSON with --format json', async () => {
    const { code, stdout } = await aura('validate', MANY, '--format', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; errors: Array<Record<string, unknown>> };
    expect(report.ok).toBe(false);
    expect(report.errors.length).toBeGreaterThanOrEqual(9);
    for (const e of report.errors) expect(Object.keys(e).sort()).toEqual(['code', 'col', 'file', 'line', 'message', 'severity']);
    expect(report.errors[0]).toMatchObject({ file: MANY, line: 13, col: 13, severity: 'error', code: 'MISSING_FIELD' });
  });

  it('exits 0 when there are only warnings, and lists them', async () => {
    const file = 'topology/fixtures/invalid/unused.yaml';
    const { code, stdout } = await aura('validate', file, '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { ok: boolean; errors: Array<{ severity: string; code: string }> };
    expect(report.ok).toBe(true);
    expect(report.errors.map((e) => `${e.severity} ${e.code}`)).toEqual(['warning UNUSED_TOPIC', 'warning UNUSED_STORE']);
  });

  it('reports an unreadable file as a diagnostic', async () => {
    const { code, stdout } = await aura('validate', 'no/such/pipeline.yaml');
    expect(code).toBe(1);
    expect(stdout).toBe(
      'no/such/pipeline.yaml:1:1 error FILE_UNREADABLE cannot read no/such/pipeline.yaml: no such file\nno/such/pipeline.yaml: 1 error, 0 warnings\n',
    );
  });

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await aura('validate', '--format', 'xml');
    expect(code).toBe(2);
    expect(stderr).toContain("'xml' is invalid");
  });
});

describe('aura describe', () => {
  it('prints the Kafka Streams-style text by default and the other formats on request', async () => {
    const [text, mermaid, dot, json] = await Promise.all([
      aura('describe'),
      aura('describe', 'pipeline.yaml', '--format', 'mermaid'),
      aura('describe', '--format', 'dot'),
      aura('describe', '--format', 'json'),
    ]);
    for (const r of [text, mermaid, dot, json]) expect(r.code).toBe(0);
    expect(text.stdout.startsWith('Topologies:\n   Sub-topology: 0\n    Source: user_events-source (topics: [aura360.user.events])\n')).toBe(true);
    expect(mermaid.stdout.startsWith('flowchart LR\n  subgraph st0')).toBe(true);
    expect(dot.stdout.startsWith('digraph "aura360" {\n')).toBe(true);
    const expected = compilePipeline(fs.readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8'), 'pipeline.yaml', { env: {} }).pipeline;
    expect(JSON.parse(json.stdout)).toEqual(expected);
  });

  it('exits 1 with the diagnostics on stderr when the pipeline is invalid', async () => {
    const { code, stdout, stderr } = await aura('describe', MANY);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^topology\/fixtures\/invalid\/many-errors\.yaml:13:13 error MISSING_FIELD /);
    expect(stderr).toContain(`(run \`aura validate ${MANY}\`)`);
  });
});

describe('aura docs / aura schema', () => {
  it('--check passes on the committed files', async () => {
    const [docs, schema] = await Promise.all([aura('docs', '--check'), aura('schema', '--check')]);
    expect(docs).toMatchObject({ code: 0, stdout: '13 generated files are up to date\n' }); // reference + pipeline changes + processor pages + the deployment files + docs/openapi.json
    expect(schema).toMatchObject({ code: 0, stdout: '1 generated files are up to date\n' });
  });

  it('writes the files into --root, and --check fails until they are there', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-docs-'));
    try {
      const stale = await aura('docs', '--check', '--root', root);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('docs/pipeline-reference.md: out of date');
      expect(stale.stderr).toContain('run `aura docs` and commit the result');
      expect((await aura('docs', '--root', root)).code).toBe(0);
      expect((await aura('schema', '--root', root)).code).toBe(0);
      expect(fs.readFileSync(path.join(root, 'docs/processors/aggregate.md'), 'utf8')).toBe(
        fs.readFileSync(path.join(ROOT, 'docs/processors/aggregate.md'), 'utf8'),
      );
      expect(fs.readFileSync(path.join(root, 'schemas/pipeline.schema.json'), 'utf8')).toBe(
        fs.readFileSync(path.join(ROOT, 'schemas/pipeline.schema.json'), 'utf8'),
      );
      expect((await aura('docs', '--check', '--root', root)).code).toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
