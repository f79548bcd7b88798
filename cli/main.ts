/**
 * The `aura` command line. Each command lives in its own file and registers
 * itself on the program; add a command by appending its register function to
 * `commands`.
 */
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../common/errors.js';
import type { CliContext, RegisterCommand } from './context.js';
import { EXIT_FAILED, EXIT_USAGE } from './context.js';
import { registerDescribe } from './describe.js';
import { registerDlq } from './dlq.js';
import { registerDocs, registerSchema } from './docs.js';
import { registerPlan } from './plan.js';
import { registerReset } from './reset.js';
import { registerFetchModel, registerRun } from './run.js';
import { registerSchemas } from './schemas.js';
import { registerServe } from './serve.js';
import { registerStore } from './store.js';
import { registerTest } from './test.js';
import { registerTopics } from './topics.js';
import { registerValidate } from './validate.js';

export const commands: RegisterCommand[] = [
  registerValidate,
  registerDescribe,
  registerDocs,
  registerSchema,
  registerRun,
  registerServe,
  registerTopics,
  registerSchemas,
  registerPlan,
  registerFetchModel,
  registerTest,
  registerDlq,
  registerReset,
  registerStore,
];

export function createProgram(cli: CliContext): Command {
  const program = new Command('aura')
    .description('aura-streams: a Kafka Streams-style stream processor whose topology is declared in YAML')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out(s), writeErr: (s) => cli.err(s) })
    .showHelpAfterError('(run `aura --help` for usage)');
  for (const register of commands) register(program, cli);
  return program;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Partial<Pick<CliContext, 'out' | 'err'>> = {}): Promise<number> {
  const cli: CliContext = {
    out: io.out ?? ((s) => void process.stdout.write(s)),
    err: io.err ?? ((s) => void process.stderr.write(s)),
    exitCode: 0,
  };
  try {
    await createProgram(cli).parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (err) {
    // Help and version "errors" carry exit code 0; usage errors were already printed by commander.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    cli.err(`aura: ${errorMessage(err)}\n`);
    return EXIT_FAILED;
  }
}
