/**
 * `aura store get|scan|count STORE [KEY] [pipeline.yaml]`: read a state store.
 *
 *   offline (default)  from the SQLite databases of a state directory
 *                      (`--state-dir`, default the pipeline's), read-only: safe
 *                      while an instance runs on it (WAL: a snapshot of its last
 *                      commit), never changing anything. Only the tasks whose
 *                      databases are in that directory are there.
 *   --url URL          from a running instance's operator API (/api/ops/stores),
 *                      which answers for every partition wherever it runs; needs
 *                      an operator token (`--token` or AURA_OPERATOR_TOKEN).
 *
 * Output: one JSON document (get, count) or one JSON line per entry (scan).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { errorMessage } from '../common/errors.js';
import { loadPipeline } from '../topology/compile.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './context.js';
import { resolveStateDir } from './open-pipeline.js';
import { offlineStore, type StoreCommand, type StoreReadResult } from './store-offline.js';
import { onlineStore } from './store-online.js';

export interface StoreFlags {
  pipeline: string;
  stateDir?: string;
  url?: string;
  token?: string;
  prefix?: string;
  limit?: number;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function print(cli: CliContext, command: StoreCommand, result: StoreReadResult): number {
  if (result.kind === 'missing') {
    cli.err(`aura store: ${result.message}\n`);
    return EXIT_FAILED;
  }
  if (command === 'scan') for (const e of result.entries ?? []) cli.out(`${JSON.stringify(e)}\n`);
  else cli.out(`${JSON.stringify(result.body, null, 2)}\n`);
  if (result.note) cli.err(`${result.note}\n`);
  return EXIT_OK;
}

async function storeCommand(command: StoreCommand, store: string, key: string | undefined, flags: StoreFlags, cli: CliContext): Promise<number> {
  if (command === 'get' && key === undefined) {
    cli.err('aura store get: which key? (aura store get STORE KEY)\n');
    return EXIT_USAGE;
  }
  try {
    if (flags.url) {
      const token = flags.token ?? process.env.AURA_OPERATOR_TOKEN;
      if (!token) {
        cli.err('aura store: --url needs an operator token (--token or AURA_OPERATOR_TOKEN; a JWT with role: "operator")\n');
        return EXIT_USAGE;
      }
      return print(cli, command, await onlineStore(command, { url: flags.url, token, store, key, prefix: flags.prefix, limit: flags.limit }));
    }
    const pipeline = loadPipeline(flags.pipeline);
    const stateDir = resolveStateDir(pipeline, flags.pipeline, flags.stateDir);
    return print(cli, command, offlineStore(command, { pipeline, stateDir, store, key, prefix: flags.prefix, limit: flags.limit }));
  } catch (err) {
    cli.err(`aura store ${command}: ${errorMessage(err)}\n`);
    return EXIT_FAILED;
  }
}

export function registerStore(program: Command, cli: CliContext): void {
  const store = program.command('store').description('read state stores: offline from a state directory, or from a running instance (--url)');
  const common = (cmd: Command) =>
    cmd
      .option('-p, --pipeline <file>', 'pipeline file', DEFAULT_PIPELINE)
      .option('--state-dir <dir>', 'offline: the state directory (default: defaults.state_dir of the pipeline)')
      .option('--url <url>', "a running instance's base URL: ask its operator API instead")
      .option('--token <jwt>', 'with --url: an operator token (default: AURA_OPERATOR_TOKEN)');
  common(
    store.command('get').description('the entry of one key (every window or session of it, for windowed stores)').argument('<store>').argument('<key>'),
  ).action(async (name: string, key: string, flags: StoreFlags) => {
    cli.exitCode = await storeCommand('get', name, key, flags, cli);
  });
  common(store.command('scan').description('entries in partition and key order, one JSON line each').argument('<store>'))
    .option('--prefix <prefix>', 'only keys starting with this')
    .option('--limit <n>', 'at most this many entries (default 100)', positive)
    .action(async (name: string, flags: StoreFlags) => {
      cli.exitCode = await storeCommand('scan', name, undefined, flags, cli);
    });
  common(store.command('count').description('entries per partition and in total').argument('<store>'))
    .option('--prefix <prefix>', 'only keys starting with this')
    .action(async (name: string, flags: StoreFlags) => {
      cli.exitCode = await storeCommand('count', name, undefined, flags, cli);
    });
}
