/**
 * The deployment record on the log: one compacted, single-partition topic per
 * app (`<app>-deployments`) whose latest record is the deployment that runs
 * (topology/plan/deployment.ts). Written by `aura run`/`aura serve` once
 * started, read by them at start-up and by `aura plan`, on the embedded log and on Kafka alike —
 * only through the Transport. Like Kafka Streams' internal topics it is
 * created by the application itself, also when topics are otherwise only
 * checked: it is aura's bookkeeping, not the pipeline's data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import { type Deployment, deploymentsTopic, parseDeployment } from '../topology/plan/deployment.js';

export { deploymentsTopic };

import type { Transport } from '../transports/types.js';

/** The record's key: one deployment per app, so compaction keeps the latest. */
const RECORD_KEY = 'deployment';
const READ_TIMEOUT_MS = 30_000;

/** The deployment recorded last, or undefined when there is none (no topic, empty, or deleted). */
export async function readDeployment(transport: Transport, app: string): Promise<Deployment | undefined> {
  const topic = deploymentsTopic(app);
  const topics = await transport.admin().listTopics();
  if (!topics.some((t) => t.name === topic)) return undefined;
  const consumer = transport.consumer({ isolation: 'read_committed', clientId: `${app}-deployments-reader` });
  try {
    const tp = { topic, partition: 0 };
    const [end] = await consumer.endOffsets([tp]);
    const [begin] = await consumer.beginningOffsets([tp]);
    if (!end || !begin || end.offset <= begin.offset) return undefined;
    await consumer.assign([{ ...tp, offset: begin.offset }]);
    let last: { offset: number; value: Buffer | null } | undefined;
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while ((consumer.position(tp) ?? begin.offset) < end.offset) {
      if (Date.now() > deadline)
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `reading ${topic} did not reach its end offset ${end.offset} within ${READ_TIMEOUT_MS / 1000} s`, {
          retriable: true,
        });
      for (const r of await consumer.poll(100, 200)) if (r.offset < end.offset && r.key === RECORD_KEY) last = { offset: r.offset, value: r.value };
    }
    if (!last?.value) return undefined;
    try {
      return parseDeployment(JSON.parse(last.value.toString('utf8')));
    } catch (err) {
      throw new AuraError(ErrorCodes.DESERIALIZATION, `the deployment recorded in ${topic} at offset ${last.offset} cannot be read: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
}

/** Appends `deployment` as the latest record (creating the topic on first use). */
export async function recordDeployment(transport: Transport, deployment: Deployment): Promise<void> {
  const topic = deploymentsTopic(deployment.app);
  await ensureDeploymentsTopic(transport, topic, deployment.pipeline.defaults.replication);
  const producer = transport.producer({ clientId: `${deployment.app}-deployments-writer` });
  try {
    await producer.send([
      {
        topic,
        partition: 0,
        key: RECORD_KEY,
        value: Buffer.from(JSON.stringify(deployment)),
        headers: { 'aura.deployment.fingerprint': deployment.fingerprint, 'aura.deployment.by': deployment.recordedBy },
      },
    ]);
    await producer.flush();
  } finally {
    await producer.close().catch(() => undefined);
  }
}

async function ensureDeploymentsTopic(transport: Transport, topic: string, replication: number): Promise<void> {
  const admin = transport.admin();
  if ((await admin.listTopics()).some((t) => t.name === topic)) return;
  try {
    await admin.createTopics([{ name: topic, partitions: 1, replication, config: { 'cleanup.policy': 'compact' } }]);
  } catch (err) {
    // Another instance created it meanwhile.
    if (!(err instanceof AuraError && err.code === ErrorCodes.TOPIC_EXISTS)) throw err;
  }
}

/**
 * A copy of the deployment this instance started with, in its state directory.
 * The embedded log serves one process, so while the pipeline runs `aura plan`
 * cannot open it; it reads this copy instead (and says so).
 */
export function localCopyFile(stateDir: string, app: string): string {
  return path.join(stateDir, app, 'deployment.json');
}

export function writeLocalCopy(stateDir: string, deployment: Deployment): void {
  const file = localCopyFile(stateDir, deployment.app);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(deployment));
  fs.renameSync(`${file}.tmp`, file);
}

export function readLocalCopy(stateDir: string, app: string): Deployment | undefined {
  let text: string;
  try {
    text = fs.readFileSync(localCopyFile(stateDir, app), 'utf8');
  } catch {
    return undefined;
  }
  return parseDeployment(JSON.parse(text));
}
