/**
 * What every command gets: where to write, and the exit code to return. Commands
 * write through this (not process.stdout directly) so `main()` can be driven
 * in-process as well as from bin/aura.js.
 */
import type { Command } from 'commander';

export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  /** The process exit code `main()` returns: 0 ok, 1 failed (invalid pipeline, stale files), 2 usage error. */
  exitCode: number;
}

/** A command module registers itself on the program; cli/main.ts lists them. */
export type RegisterCommand = (program: Command, cli: CliContext) => void;

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
