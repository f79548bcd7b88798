/**
 * `aura serve [pipeline.yaml]`: the pipeline and the HTTP/WebSocket gateway in
 * one process — what `npm start` runs. It binds 127.0.0.1 unless AURA_HOST
 * says otherwise. On the embedded log, bound to loopback, without any JWT key
 * configured it starts in development auth mode (`POST /api/dev/token`),
 * loudly; anywhere else without a key it refuses to start unless
 * AURA_DEV_AUTH=1. Several instances on Kafka share the partitions; each needs
 * a stable AURA_INSTANCE_ID, an AURA_ADVERTISED_URL its peers can reach and the
 * same AURA_CLUSTER_SECRET (interactive queries are forwarded there).
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { withTracing } from '../common/tracing/sdk.js';
import { createGateway } from '../gateway/app.js';
import { type GatewayEnvConfig, gatewayConfigFromEnv } from '../gateway/config.js';
import { createPipelineApp } from '../runtime/app.js';
import { SwappableApp } from '../runtime/app-swap.js';
import type { EngineMetrics } from '../runtime/metrics.js';
import type { Pipeline } from '../topology/model.js';
import { awaitBroker } from './await-broker.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { deploymentGate } from './deployment.js';
import { openPipeline, topicsMode } from './open-pipeline.js';
import { type HeldSignals, holdStopSignals, superviseUntilDone } from './supervise.js';
import { PipelineReloader } from './watch-reload.js';

export interface ServeOptions {
  file: string;
  stateDir?: string;
  port?: number;
  createTopics?: boolean;
  /** Programmatic only: resource instances instead of the pipeline's (the fuzz suite's hashing embedder). */
  resourceOverrides?: Record<string, unknown>;
  allowBreaking?: boolean;
  /** Development: reload the pipeline when it or its schemas are saved (cli/watch-reload.ts). */
  watch?: boolean;
  /** --watch: quiet time after a save before reloading. */
  watchDebounceMs?: number;
}

export async function servePipeline(options: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = createLogger('aura');
  const out = (text: string) => void process.stdout.write(text);
  const err = (text: string) => void process.stderr.write(text);
  const fail = (msg: string): number => {
    err(`aura serve: ${msg}\n`);
    return 1;
  };
  const opened = openPipeline(options.file, options.stateDir, (msg) => void fail(msg), env);
  if (!opened) return 1;
  const { pipeline, stateDir } = opened;
  // The gateway reads the engine in its own process (stores, statuses): one stream thread here.
  if (pipeline.defaults.streamThreads > 1)
    logger.warn({ streamThreads: pipeline.defaults.streamThreads }, 'aura serve runs one stream thread: defaults.stream_threads applies to `aura run`');
  let config: GatewayEnvConfig;
  try {
    config = gatewayConfigFromEnv(env, { devWhenUnconfigured: opened.transport.kind === 'embedded', stateDir });
  } catch (e) {
    await opened.transport.close().catch(() => undefined);
    return fail(errorMessage(e));
  }
  const { transport } = opened;
  const port = options.port ?? config.port;
  // Stable across restarts (reply routing, registry), distinct per instance on one host.
  const instanceId = config.instanceId ?? `${os.hostname()}-${port}`;
  const buildApp = (p: Pipeline, metrics?: EngineMetrics) =>
    createPipelineApp({
      pipeline: p,
      transport,
      logger,
      stateDir,
      instanceId,
      metrics,
      topics: topicsMode(transport, options.createTopics),
      resources: { log: (msg) => logger.info(msg), overrides: options.resourceOverrides },
    });
  const first = buildApp(pipeline);
  // --watch: the gateway is handed live views of the pipeline and the engine, which a reload replaces under it.
  const swappable = options.watch ? new SwappableApp({ pipeline, app: first }, (p) => buildApp(p, first.engine.metrics)) : undefined;
  const app = swappable?.app ?? first;
  const gateway = createGateway({
    pipeline: swappable?.pipeline ?? pipeline,
    transport,
    app,
    logger,
    instanceId,
    advertisedUrl: config.advertisedUrl,
    auth: config.auth,
    clusterSecret: config.clusterSecret,
    trustProxy: config.trustProxy,
    limits: config.limits,
  });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(
    [
      `aura serve: ${pipeline.app} (${path.relative(process.cwd(), pipeline.file) || pipeline.file})`,
      `  transport   ${opened.summary}`,
      `  instance    ${instanceId}${config.advertisedUrl ? ` at ${config.advertisedUrl}` : ''}`,
      `  gateway     http://${shownHost}:${port}  (bound to ${config.host}; topology page /topology, metrics /metrics)`,
      `  auth        ${config.auth.alg}${config.devAuth ? ' — DEVELOPMENT MODE' : ''}`,
      `  state dir   ${stateDir}`,
      ...(options.watch ? [`  watch       on: a saved pipeline or schema is validated and, when safe, applied without restarting the gateway`] : []),
      ...(config.devAuth
        ? [
            '',
            `  !! Development auth is ON (${config.devAuth}): anyone can get a token for any user.`,
            `  !! curl -s -XPOST http://${shownHost}:${port}/api/dev/token -H 'content-type: application/json' -d '{"user_id":"me"}'`,
            '  !! Set AURA_JWT_SECRET or AURA_JWT_PUBLIC_KEY before real users connect.',
          ]
        : []),
      ...config.warnings.map((w) => `  !! ${w}`),
      '',
    ].join('\n'),
  );
  let held: HeldSignals | undefined;
  try {
    // A broker that does not answer yet is waited for (cli/await-broker.ts), with the gateway
    // listening meanwhile so that /readyz says why it is not ready. Otherwise the gateway listens
    // once the pipeline runs: its address in the log means ready.
    const brokerAway = await transport.connect().then(
      () => false,
      () => true,
    );
    if (brokerAway) {
      await gateway.listen(port, config.host);
      if (!(await awaitBroker(app, transport, 'aura serve'))) {
        await gateway.stop().catch(() => undefined);
        return 1;
      }
    }
    const gate = await deploymentGate(opened, { allowBreaking: options.allowBreaking, label: 'aura serve', instanceId });
    if (!gate) {
      await gateway.stop().catch(() => undefined);
      await transport.close().catch(() => undefined);
      return 1;
    }
    held = holdStopSignals();
    await app.start();
    await gate.record();
    if (brokerAway) await gateway.open();
    else await gateway.start(port, config.host);
  } catch (e) {
    held?.release();
    const hint = e instanceof AuraError && e.code === ErrorCodes.TOPIC_MISSING ? '\nOr start with --create-topics.' : '';
    await gateway.stop().catch(() => undefined);
    await app.stop().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return fail(`${errorMessage(e)}${hint}`);
  }
  const reloader =
    swappable &&
    new PipelineReloader({
      swappable,
      transport,
      stateDir,
      instanceId,
      allowBreaking: options.allowBreaking,
      env,
      label: 'aura serve',
      out,
      err,
      debounceMs: options.watchDebounceMs,
    });
  reloader?.watch();
  try {
    return await superviseUntilDone({ app, transport, logger, label: 'aura serve', front: gateway, held });
  } finally {
    reloader?.close();
  }
}

export function registerServe(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('run the pipeline and the HTTP/WebSocket gateway (port AURA_PORT, default 8080)')
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'local state directory (default: defaults.state_dir of the pipeline)')
    .option('--port <port>', 'HTTP port (default: AURA_PORT or 8080)', (v) => Number(v))
    .option('--create-topics', 'Kafka: create missing topics at start (default: check them and explain what is missing)')
    .option('--allow-breaking', 'deploy breaking changes (see `aura plan`): the state they invalidate is reset')
    .option('--watch', 'development: on save, validate the pipeline and its schemas and apply a safe change without restarting the gateway')
    .action(async (file: string, options: { stateDir?: string; port?: number; createTopics?: boolean; allowBreaking?: boolean; watch?: boolean }) => {
      // Tracing (OTEL_*) starts before the engine builds its tasks and is flushed when it stopped.
      cli.exitCode = await withTracing(() => servePipeline({ file, ...options }));
    });
}
