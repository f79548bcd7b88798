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
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { deploymentGate } from './deployment.js';
import { openPipeline, topicsMode } from './open-pipeline.js';
import { superviseUntilDone } from './supervise.js';

export interface ServeOptions {
  file: string;
  stateDir?: string;
  port?: number;
  createTopics?: boolean;
  /** Programmatic only: resource instances instead of the pipeline's (the fuzz suite's hashing embedder). */
  resourceOverrides?: Record<string, unknown>;
  allowBreaking?: boolean;
}

export async function servePipeline(options: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = createLogger('aura');
  const fail = (msg: string): number => {
    process.stderr.write(`aura serve: ${msg}\n`);
    return 1;
  };
  const opened = openPipeline(options.file, options.stateDir, (msg) => void fail(msg), env);
  if (!opened) return 1;
  const { pipeline, stateDir } = opened;
  let config: GatewayEnvConfig;
  try {
    config = gatewayConfigFromEnv(env, { devWhenUnconfigured: opened.transport.kind === 'embedded', stateDir });
  } catch (err) {
    await opened.transport.close().catch(() => undefined);
    return fail(errorMessage(err));
  }
  const { transport } = opened;
  const port = options.port ?? config.port;
  // Stable across restarts (reply routing, registry), distinct per instance on one host.
  const instanceId = config.instanceId ?? `${os.hostname()}-${port}`;
  const gate = await deploymentGate(opened, { allowBreaking: options.allowBreaking, label: 'aura serve', instanceId });
  if (!gate) {
    await transport.close().catch(() => undefined);
    return 1;
  }
  const app = createPipelineApp({
    pipeline,
    transport,
    logger,
    stateDir,
    instanceId,
    topics: topicsMode(transport, options.createTopics),
    resources: { log: (msg) => logger.info(msg), overrides: options.resourceOverrides },
  });
  const gateway = createGateway({
    pipeline,
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
  try {
    await app.start();
    await gate.record();
    await gateway.start(port, config.host);
  } catch (err) {
    const hint = err instanceof AuraError && err.code === ErrorCodes.TOPIC_MISSING ? '\nOr start with --create-topics.' : '';
    await gateway.stop().catch(() => undefined);
    await app.stop().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return fail(`${errorMessage(err)}${hint}`);
  }
  return superviseUntilDone({ app, transport, logger, label: 'aura serve', front: gateway });
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
    .action(async (file: string, options: { stateDir?: string; port?: number; createTopics?: boolean; allowBreaking?: boolean }) => {
      // Tracing (OTEL_*) starts before the engine builds its tasks and is flushed when it stopped.
      cli.exitCode = await withTracing(() => servePipeline({ file, ...options }));
    });
}
