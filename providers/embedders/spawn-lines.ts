/**
 * Runs a command and streams its output line by line (Maven's download
 * progress, unzip errors) to a callback, keeping the tail for error messages.
 */
import { spawn } from 'node:child_process';

export interface SpawnResult {
  code: number | null;
  /** Last output lines (stdout and stderr interleaved), for error reports. */
  tail: string[];
}

// Maven prints colour codes even in batch mode on some terminals.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const TAIL_LINES = 40;

export function spawnLines(
  command: string,
  args: string[],
  options: { cwd?: string; onLine?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const emit = (line: string): void => {
      const clean = line.replace(ANSI, '').trimEnd();
      if (clean.length === 0) return;
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(clean);
    };
    const pipe = (stream: NodeJS.ReadableStream): void => {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split(/\r?\n/);
        buffered = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      stream.on('end', () => {
        if (buffered) emit(buffered);
        buffered = '';
      });
    };
    pipe(child.stdout);
    pipe(child.stderr);
    // ENOENT (command not installed) arrives here, not as an exit code.
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail }));
  });
}

/** Whether the error is "command not found" from spawn. */
export function isCommandMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
