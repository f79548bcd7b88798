/**
 * Readers for the stack tests: a Dockerfile split into stages and
 * instructions, and the repository's own files (without dependencies, build
 * output or local state).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DockerInstruction {
  instr: string;
  args: string;
  line: number;
}

export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

/** Stages of a Dockerfile (`FROM image AS name`), with their instructions; continuation lines joined, comments dropped. */
export function dockerfileStages(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const start = i + 1;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      const next = lines[++i]!;
      if (/^\s*#/.test(next)) continue;
      line = line.replace(/\\\s*$/, ' ') + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instr = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, ' ').trim();
    if (instr === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ name: from[2] ?? String(stages.length), from: from[1]!, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ instr, args, line: start });
    }
  }
  return stages;
}

const SKIP = new Set(['node_modules', '.git', '.aura', '.state', '.cache', '.scratch', 'coverage', 'dist', 'target', 'infra']);

/** Files under `dir` (recursively) accepted by `keep`, skipping dependencies, VCS data, local state and build output. */
export function repoFiles(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) out.push(...repoFiles(full, keep));
    } else if (keep(full)) out.push(full);
  }
  return out;
}
