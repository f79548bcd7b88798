/**
 * Writes generated files into the repository, or with `--check` reports the
 * ones whose committed copy differs (for CI and the freshness tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK } from './context.js';

/** The repository root (generated paths are relative to it). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Paths (relative to root) whose content on disk differs from `files`. */
export function staleFiles(files: Map<string, string>, root: string = REPO_ROOT): string[] {
  return [...files]
    .filter(([rel, content]) => {
      const file = path.join(root, rel);
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content;
    })
    .map(([rel]) => rel);
}

export function writeOrCheck(files: Map<string, string>, options: { check?: boolean; root?: string; command: string }, cli: CliContext): void {
  const root = options.root ?? REPO_ROOT;
  const stale = staleFiles(files, root);
  if (options.check) {
    if (stale.length === 0) {
      cli.out(`${files.size} generated files are up to date\n`);
      cli.exitCode = EXIT_OK;
    } else {
      cli.err(`${stale.map((f) => `${f}: out of date`).join('\n')}\nrun \`aura ${options.command}\` and commit the result\n`);
      cli.exitCode = EXIT_FAILED;
    }
    return;
  }
  for (const rel of stale) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, files.get(rel)!);
  }
  cli.out(stale.length === 0 ? `${files.size} generated files are up to date\n` : `wrote ${stale.join(', ')}\n`);
  cli.exitCode = EXIT_OK;
}
