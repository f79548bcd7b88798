/**
 * The import rules of docs/architecture.md, read from the document itself
 * (its two tables after the `import-rules` and `import-exceptions` markers)
 * and applied to every source file that is not a test: a folder imports only
 * what its row allows, or what an exception row names for that file. Tests
 * (`*.test.ts`) may import anything. So the document cannot drift from the
 * code: a new dependency either fits the rules or the rules change in the
 * document, in the same commit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../testing/support/imports.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

/** The rows of the markdown table right after `<!-- marker -->`, as cells. */
function tableAfter(marker: string): string[][] {
  const at = doc.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`docs/architecture.md has no <!-- ${marker} --> table`);
  const lines = doc.slice(at).split('\n').slice(1);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows.slice(2); // header and separator
}

const paths = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

interface Rule {
  folder: string;
  /** Folders (with a trailing slash) it may import; 'product' / 'all' for the catch-alls. */
  allowed: string[] | 'product' | 'all';
}

const rules: Rule[] = tableAfter('import-rules').map(([folder, , allowed]) => ({
  folder: paths(folder!)[0]!,
  allowed: /every product folder/.test(allowed!) ? 'product' : /every folder/.test(allowed!) ? 'all' : paths(allowed!),
}));
const exceptions = tableAfter('import-exceptions').map(([from, targets]) => ({ from: paths(from!)[0]!, targets: paths(targets!) }));
const productFolders = rules.filter((r) => Array.isArray(r.allowed)).map((r) => r.folder);

const topFolder = (rel: string): string => (rel.includes('/') ? `${rel.split('/')[0]}/` : '');
const covers = (prefix: string, rel: string): boolean => (prefix.endsWith('/') ? rel.startsWith(prefix) : rel === prefix);

/** Why `from` may not import `to` (paths relative to the root), or undefined when it may. */
function violation(from: string, to: string): string | undefined {
  const source = topFolder(from);
  const target = topFolder(to);
  if (source === target || !fs.existsSync(path.join(ROOT, to))) return undefined;
  if (exceptions.some((e) => covers(e.from, from) && e.targets.some((t) => covers(t, to)))) return undefined;
  const rule = rules.find((r) => r.folder === source);
  if (!rule) return `${source || 'the root'} has no row in the import rules`;
  if (rule.allowed === 'all') return undefined;
  if (rule.allowed === 'product' ? productFolders.includes(target) : rule.allowed.includes(target)) return undefined;
  return `${source} may not import ${target}`;
}

const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && f.includes('/') && fs.existsSync(path.join(ROOT, f)))
  // Developer scripts hold only their own tests.
  .filter((f) => !f.startsWith('scripts/'));

describe('docs/architecture.md import rules', () => {
  it('are read from the document: every folder of the repository has a row, and the layers point down', () => {
    expect(rules.length).toBeGreaterThan(10);
    const folders = new Set(sources.map(topFolder));
    for (const f of folders) expect(rules.some((r) => r.folder === f) || exceptions.some((e) => e.from.startsWith(f)), f).toBe(true);
    // What the document says in prose, as the tables read.
    expect(violation('transports/kafka/consumer.ts', 'runtime/engine.ts')).toBe('transports/ may not import runtime/');
    expect(violation('state/store-slot.ts', 'processors/types.ts')).toBe('state/ may not import processors/');
    expect(violation('processors/map/map.ts', 'transports/types.ts')).toBe('processors/ may not import transports/');
    expect(violation('runtime/engine.ts', 'testing/test-driver.ts')).toBe('runtime/ may not import testing/');
    expect(violation('gateway/app.ts', 'bench/run.ts')).toBe('gateway/ may not import bench/');
    expect(violation('cli/test.ts', 'testing/runner/run-tests.ts')).toBeUndefined();
    expect(violation('testing/test-driver.ts', 'runtime/engine.ts')).toBeUndefined();
  });

  it('hold for every source file that is not a test', () => {
    const found: string[] = [];
    for (const file of sources) {
      for (const i of importsOf(path.join(ROOT, file))) {
        const to = path.relative(ROOT, i.file);
        const why = violation(file, to);
        if (why) found.push(`${file} → ${to}: ${why}`);
      }
    }
    expect(found).toEqual([]);
  });
});
