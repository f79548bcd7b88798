/**
 * Composition root of a running pipeline: transport, shared resources, state
 * directory and engine. Used by `aura run`, the gateway and the test driver,
 * so all three run the very same engine.
 */
import os from 'node:os';
import path from 'node:path';
import { startWalCheckpointer, type WalCheckpointer } from '../common/wal-checkpointer.js';
import { builtinProcessors, type ProcessorRegistry } from '../processors/registry.js';
import type { Logger } from '../processors/types.js';
import { registrySerdesFor } from '../serdes/index.js';
import type { RegistryConfig } from '../serdes/registry-config.js';
import type { Pipeline } from '../topology/model.js';
import type { EmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { type Clock, systemClock } from './clock.js';
import { StreamEngine } from './engine.js';
import { createJoin } from './joins/index.js';
import type { EngineMetrics } from './metrics.js';
import { type ResourceOptions, Resources } from './resources.js';
import { openTaskState } from './task-state-adapter.js';

export interface PipelineAppOptions {
  pipeline: Pipeline;
  transport: Transport;
  logger: Logger;
  /** Overrides the pipeline's `defaults.state_dir`. */
  stateDir?: string;
  instanceId?: string;
  /** Static group membership; default AURA_INSTANCE_ID when set (a stable id is what makes it safe). */
  groupInstanceId?: string;
  clock?: Clock;
  resources?: ResourceOptions;
  /** The processor types the pipeline was compiled with (default: the built-in ones). */
  processors?: ProcessorRegistry;
  topics?: 'create' | 'check';
  pollTimeoutMs?: number;
  /** Records queued in asynchronous lanes before polling pauses (backpressure bound). */
  maxInflight?: number;
  /** The least time between a commit's end and a commit because the input is drained (runtime/commit-policy.ts). */
  commitMinGapMs?: number;
  /**
   * The Schema Registry of `json_sr`/`avro` topics. Default: from SCHEMA_REGISTRY_URL & co.
   * `false`: every topic plain JSON whatever its format (the test driver: formats are a wire concern).
   */
  registry?: RegistryConfig | false;
  /** The engine's counters (default: new ones); a reload (runtime/app-swap.ts) hands the replaced engine's on. */
  metrics?: EngineMetrics;
}

export interface PipelineApp {
  engine: StreamEngine;
  resources: Resources;
  stateDir: string;
  /**
   * Waits until the broker answers (retried with backoff up to `defaults.task_timeout`; the
   * engine's health says meanwhile why it is not ready). Call it before anything else needs
   * the broker; start() does not wait.
   */
  awaitBroker(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPipelineApp(options: PipelineAppOptions): PipelineApp {
  const { pipeline, transport, logger } = options;
  const baseDir = path.dirname(path.resolve(pipeline.file));
  const stateDir = path.resolve(baseDir, options.stateDir ?? pipeline.defaults.stateDir);
  const instanceId = options.instanceId ?? process.env.AURA_INSTANCE_ID ?? `${os.hostname()}-${process.pid}`;
  const resources = new Resources(pipeline, { baseDir, ...options.resources });
  const clock = options.clock ?? systemClock;
  // Topics with a registry format: their serdes (an unusable setup is reported by start()).
  const registry = options.registry === false ? {} : registrySerdesFor(pipeline, logger, options.registry);
  const engine: StreamEngine = new StreamEngine({
    pipeline,
    transport,
    instanceId,
    groupInstanceId: options.groupInstanceId ?? (process.env.AURA_INSTANCE_ID?.trim() || undefined),
    logger,
    clock,
    topics: options.topics,
    pollTimeoutMs: options.pollTimeoutMs,
    maxInflight: options.maxInflight,
    commitMinGapMs: options.commitMinGapMs,
    metrics: options.metrics,
    serdes: registry.serdes,
    factories: {
      processorType: (type) => (options.processors ?? builtinProcessors).get(type),
      join: createJoin,
      resource: <T>(id: string) => resources.get<T>(id),
    },
    // Rows are stamped with the wall clock that TTL purges compare against (one clock for both).
    // The engine's pipeline: the one it runs now, which engine.applyPipeline (`--watch`) replaces.
    openTaskState: (st, partition, taskId) => openTaskState(engine.options.pipeline, st, partition, taskId, stateDir, () => clock.now()),
  });
  let checkpointer: WalCheckpointer | undefined;
  return {
    engine,
    resources,
    stateDir,
    awaitBroker: () => engine.awaitBroker(),
    async start() {
      if (registry.error) throw registry.error;
      await registry.serdes?.init();
      await resources.warmUp();
      // The embedded log's WAL checkpoints (each a stall of tens of ms on a busy disk) on a worker thread.
      if (transport.kind === 'embedded') {
        const { db } = transport as Partial<EmbeddedTransport>;
        if (db?.open) checkpointer ??= startWalCheckpointer(db, db.name);
      }
      await engine.start();
    },
    async stop() {
      await engine.stop();
      await resources.close();
      await checkpointer?.close();
      checkpointer = undefined;
    },
  };
}
