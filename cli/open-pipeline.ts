/**
 * What every command that touches a running pipeline's log does first: load
 * and compile the pipeline, resolve its state directory, and pick the
 * transport — Kafka when KAFKA_BROKERS is set, else the embedded log under
 * the state directory. On failure it says why (and how to see every problem)
 * and returns undefined, so commands only decide their exit code.
 */
import path from 'node:path';
import { errorMessage } from '../common/errors.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createKafkaTransport, describeKafkaConfig, kafkaConfigFromEnv } from '../transports/kafka/index.js';
import type { Transport } from '../transports/types.js';

export interface ChosenTransport {
  transport: Transport;
  /** One line for the start-up summary; secrets redacted. */
  summary: string;
}

export interface OpenedPipeline extends ChosenTransport {
  pipeline: Pipeline;
  stateDir: string;
}

/** Kafka when KAFKA_BROKERS is set (with the pipeline's `kafka:` settings), else the embedded log under the state directory. */
export function chooseTransport(pipeline: Pipeline, stateDir: string, env: NodeJS.ProcessEnv = process.env): ChosenTransport {
  if (env.KAFKA_BROKERS?.trim()) {
    const config = kafkaConfigFromEnv(env, pipeline.kafka);
    return { transport: createKafkaTransport(config), summary: `kafka ${describeKafkaConfig(config)}` };
  }
  const logPath = path.join(stateDir, 'embedded-log.db');
  return { transport: createEmbeddedTransport({ path: logPath }), summary: `embedded log at ${logPath}` };
}

export function resolveStateDir(pipeline: Pipeline, file: string, stateDir?: string): string {
  return path.resolve(path.dirname(path.resolve(file)), stateDir ?? pipeline.defaults.stateDir);
}

export function openPipeline(
  file: string,
  stateDirOption: string | undefined,
  fail: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): OpenedPipeline | undefined {
  let pipeline: Pipeline;
  try {
    pipeline = loadPipeline(file, { env });
  } catch (err) {
    fail(`${errorMessage(err)}\nRun \`aura validate ${file}\` for every problem with its line and column.`);
    return undefined;
  }
  const stateDir = resolveStateDir(pipeline, file, stateDirOption);
  try {
    return { pipeline, stateDir, ...chooseTransport(pipeline, stateDir, env) };
  } catch (err) {
    fail(errorMessage(err));
    return undefined;
  }
}

/** On a shared cluster creating topics is an operator's decision: check and explain unless asked to create. */
export function topicsMode(transport: Transport, createTopics?: boolean): 'check' | 'create' {
  return transport.kind === 'kafka' && !createTopics ? 'check' : 'create';
}
