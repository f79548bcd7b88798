/**
 * The repository's own module graph, read from the sources (no TypeScript
 * compiler needed): which files a file imports, statically or lazily, and the
 * files a process started from an entry point can load. Used by the import
 * rules of docs/architecture.md (docs/architecture.test.ts) and by the image
 * check (ops/stack.test.ts). Only relative specifiers are followed: packages
 * are node_modules' business.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ModuleImport {
  /** Absolute path of the imported file. */
  file: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** `import('…')` or a worker / tsImport entry: loaded only when that code runs. */
  lazy: boolean;
}

const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
const LAZY = /\b(?:import|tsImport)\(\s*['"](\.{1,2}\/[^'"]+)['"]|new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** A specifier's file: `./x.js` is `./x.ts` in these sources. */
function resolveSpecifier(from: string, spec: string): string {
  const target = path.resolve(path.dirname(from), spec);
  if (fs.existsSync(target)) return target;
  if (target.endsWith('.js') && fs.existsSync(`${target.slice(0, -3)}.ts`)) return `${target.slice(0, -3)}.ts`;
  return target;
}

/** The relative imports of one source file. */
export function importsOf(file: string): ModuleImport[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: ModuleImport[] = [];
  for (const m of text.matchAll(STATIC)) out.push({ file: resolveSpecifier(file, m[3]!), typeOnly: m[2] !== undefined, lazy: false });
  for (const m of text.matchAll(LAZY)) out.push({ file: resolveSpecifier(file, (m[1] ?? m[2])!), typeOnly: false, lazy: true });
  return out;
}

/**
 * Every file a process started at `entries` loads through static run-time imports (type-only
 * imports are erased; lazy ones are followed only when `followLazy` says so).
 */
export function loadedFiles(entries: string[], followLazy: (from: string, to: string) => boolean = () => true): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    for (const i of importsOf(file)) {
      if (i.typeOnly || (i.lazy && !followLazy(file, i.file))) continue;
      todo.push(i.file);
    }
  }
  return seen;
}

/**
 * Whether `.dockerignore` keeps `rel` (a path relative to the build context) out of the
 * context. Docker's rules: Go filepath.Match per pattern, `**` for any number of directories,
 * a pattern matching a directory excludes everything under it, later `!` lines re-include.
 */
export function dockerIgnored(patterns: string[], rel: string): boolean {
  let ignored = false;
  const parts = rel.split('/');
  for (const raw of patterns) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const re = globToRegExp((negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, ''));
    // The path itself or one of its parent directories.
    const hit = parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')));
    if (hit) ignored = !negate;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` anything.
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
