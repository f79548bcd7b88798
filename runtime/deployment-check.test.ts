/**
 * The start-up deployment check on the embedded log, with the real engine
 * writing real state: the first start records the deployment, an unchanged
 * restart writes nothing, a breaking change (a window of another size) is
 * refused and changes nothing, `allowBreaking` resets exactly the store it
 * invalidates (changelog emptied, local state dropped, new deployment
 * recorded), and a second instance that ran the old layout drops its local
 * state when it starts with the new one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { buildDeployment } from '../topology/plan/deployment.js';
import { createEmbeddedTransport, type EmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { checkAndRecordDeployment } from './deployment-check.js';
import { deploymentsTopic, readDeployment, readLocalCopy } from './deployment-record.js';
import { ensureTopics } from './topics.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-deploy-check-'));
const yaml = (size: string) => `app: deploy-check
defaults:
  partitions: 2
  commit_interval: 50ms
topics:
  events: { name: dc.events }
  hourly: { name: dc.hourly }
  clicks: { name: dc.clicks }
  clicked: { name: dc.clicked }
stores:
  hourly_store: { kind: window }
  click_counts: { kind: key_value }
processors:
  hourly_spend:
    type: aggregate
    from: events
    to: hourly
    store: hourly_store
    config:
      window: { type: tumbling, size: ${size} }
      aggregations:
        spent: { op: sum, field: amount }
  count_clicks:
    type: aggregate
    from: clicks
    to: clicked
    store: click_counts
    config:
      aggregations:
        n: { op: count }
`;

function pipelineFile(name: string, size: string): Pipeline {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml(size));
  return loadPipeline(file, { env: {} });
}

/** Every record of a topic (all partitions), from its beginning. */
async function records(transport: Transport, topic: string): Promise<number> {
  const t = (await transport.admin().listTopics()).find((x) => x.name === topic);
  if (!t) return -1;
  const c = transport.consumer({ isolation: 'read_uncommitted' });
  try {
    const tps = Array.from({ length: t.partitions }, (_, partition) => ({ topic, partition }));
    const ends = await c.endOffsets(tps);
    const begins = await c.beginningOffsets(tps);
    return ends.reduce((n, e, i) => n + e.offset - begins[i]!.offset, 0);
  } finally {
    await c.close();
  }
}

const taskDirs = (stateDir: string) =>
  fs.existsSync(path.join(stateDir, 'deploy-check'))
    ? fs
        .readdirSync(path.join(stateDir, 'deploy-check'))
        .filter((d) => /^\d+_\d+$/.test(d))
        .sort()
    : [];

/** Runs the pipeline until it has committed every input record, then stops it. */
async function runUntilCommitted(pipeline: Pipeline, transport: Transport, stateDir: string, inputs: number): Promise<void> {
  const app = createPipelineApp({ pipeline, transport, logger: createLogger('test', 'silent'), stateDir, topics: 'create', pollTimeoutMs: 20 });
  await app.start();
  const group = transport.consumer({ groupId: pipeline.app, isolation: 'read_committed' });
  try {
    const tps = ['dc.events', 'dc.clicks'].flatMap((topic) => [0, 1].map((partition) => ({ topic, partition })));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const done = (await group.committed(tps)).reduce((n, o) => n + Math.max(0, o.offset), 0);
      if (done >= inputs) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${inputs} inputs committed`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await group.close();
    await app.stop();
  }
}

describe('checkAndRecordDeployment on the embedded log', () => {
  let transport: EmbeddedTransport;
  const stateA = path.join(dir, 'state-a');
  const stateB = path.join(dir, 'state-b');
  const v1 = pipelineFile('v1.yaml', '1h');
  const v2 = pipelineFile('v2.yaml', '2h');

  beforeAll(async () => {
    transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
  });

  afterAll(async () => {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the first deployment, and nothing more while the pipeline is unchanged', async () => {
    const first = await checkAndRecordDeployment(v1, transport, { stateDir: stateA, recordedBy: 'instance-a' });
    expect(first.plan.deployed).toBeUndefined();
    expect(first.recorded).toBe(true);
    await ensureTopics(v1, transport.admin(), 'create', createLogger('test', 'silent'));
    const producer = transport.producer({});
    await producer.send([
      ...Array.from({ length: 30 }, (_, i) => ({
        topic: 'dc.events',
        key: `u${i % 6}`,
        value: Buffer.from(JSON.stringify({ amount: i })),
        timestamp: 1_700_000_000_000 + i * 60_000,
      })),
      ...Array.from({ length: 10 }, (_, i) => ({ topic: 'dc.clicks', key: `u${i % 3}`, value: Buffer.from('{}'), timestamp: 1_700_000_000_000 + i })),
    ]);
    await producer.close();
    await runUntilCommitted(v1, transport, stateA, 40);
    // Instance B ran the same deployment (its own state directory, restored from the changelogs).
    expect((await checkAndRecordDeployment(v1, transport, { stateDir: stateB, recordedBy: 'instance-b' })).recorded).toBe(false);
    await runUntilCommitted(v1, transport, stateB, 40);

    const again = await checkAndRecordDeployment(v1, transport, { stateDir: stateA });
    expect(again.plan.verdict).toBe('none');
    expect(again.recorded).toBe(false);
    expect(await records(transport, deploymentsTopic('deploy-check'))).toBe(1);
    expect((await readDeployment(transport, 'deploy-check'))?.recordedBy).toBe('instance-a');
    expect(await records(transport, 'deploy-check-hourly_store-changelog')).toBeGreaterThan(0);
    expect(taskDirs(stateA)).toEqual(['0_0', '0_1', '1_0', '1_1']);
  });

  it('refuses a breaking change and changes nothing', async () => {
    const changelog = await records(transport, 'deploy-check-hourly_store-changelog');
    const refused = await checkAndRecordDeployment(v2, transport, { stateDir: stateA }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuraError);
    expect((refused as AuraError).code).toBe(ErrorCodes.DEPLOYMENT_BREAKING);
    const message = (refused as AuraError).message;
    expect(message).toContain(`~ processor hourly_spend at ${v2.file}:14:3`);
    expect(message).toContain('! WINDOW_CHANGED: window tumbling size 1h -> tumbling size 2h');
    expect(message).toContain('the state of store "hourly_store" (changelog deploy-check-hourly_store-changelog and local files)');
    expect(await records(transport, deploymentsTopic('deploy-check'))).toBe(1);
    expect(await records(transport, 'deploy-check-hourly_store-changelog')).toBe(changelog);
    expect(taskDirs(stateA)).toEqual(['0_0', '0_1', '1_0', '1_1']);
  });

  it('with allowBreaking, resets the invalidated store only, drops local state and records the new deployment', async () => {
    const clicks = await records(transport, 'deploy-check-click_counts-changelog');
    const result = await checkAndRecordDeployment(v2, transport, { stateDir: stateA, allowBreaking: true, recordedBy: 'instance-a' });
    expect(result.plan.verdict).toBe('breaking');
    expect(result.resetChangelogs).toEqual(['deploy-check-hourly_store-changelog']);
    expect(result.discarded).toEqual([
      '  - the state of store "hourly_store" (changelog deploy-check-hourly_store-changelog and local files) (WINDOW_CHANGED at processor hourly_spend)',
    ]);
    expect(result.droppedTasks).toEqual(['0_0', '0_1', '1_0', '1_1']);
    expect(taskDirs(stateA)).toEqual([]);
    // Re-created empty, with the partitions the pipeline declares; the other store's changelog is untouched.
    expect(await records(transport, 'deploy-check-hourly_store-changelog')).toBe(0);
    expect((await transport.admin().listTopics()).find((t) => t.name === 'deploy-check-hourly_store-changelog')?.partitions).toBe(2);
    expect(await records(transport, 'deploy-check-click_counts-changelog')).toBe(clicks);
    expect(result.recorded).toBe(true);
    const recorded = await readDeployment(transport, 'deploy-check');
    expect(recorded?.fingerprint).toBe(buildDeployment(v2, { schemasDir: path.join(dir, 'none'), recordedBy: 'x' }).fingerprint);
    expect(await records(transport, deploymentsTopic('deploy-check'))).toBe(2);
    // The copy `aura plan` reads while the embedded log is busy is the recorded deployment.
    expect(readLocalCopy(stateA, 'deploy-check')).toEqual(recorded);
  });

  it('a second instance that ran the old layout drops its local state before starting the new one', async () => {
    expect(taskDirs(stateB)).toEqual(['0_0', '0_1', '1_0', '1_1']);
    const b = await checkAndRecordDeployment(v2, transport, { stateDir: stateB, recordedBy: 'instance-b' });
    expect(b.plan.verdict).toBe('none');
    expect(b.droppedTasks).toEqual(['0_0', '0_1', '1_0', '1_1']);
    expect(taskDirs(stateB)).toEqual([]);
    // And only once: its copy now holds the layouts it runs with.
    expect((await checkAndRecordDeployment(v2, transport, { stateDir: stateB })).droppedTasks).toEqual([]);
  });

  it('records credentials only as a hash', () => {
    const pipeline = structuredClone(v1);
    pipeline.resources.embedder = { id: 'embedder', type: 'openai', config: { url: 'http://x', model: 'm', api_key: 'sk-very-secret' } };
    const text = JSON.stringify(buildDeployment(pipeline, { schemasDir: dir }));
    expect(text).not.toContain('sk-very-secret');
    expect(text).toMatch(/"api_key":"sha256:[0-9a-f]{16}"/);
  });

  it('refuses to start over a record it cannot read, unless allowed (which replaces it)', async () => {
    const producer = transport.producer({});
    await producer.send([{ topic: deploymentsTopic('deploy-check'), partition: 0, key: 'deployment', value: Buffer.from('{"format": 99}') }]);
    await producer.close();
    const refused = await checkAndRecordDeployment(v2, transport, { stateDir: stateA }).catch((e: unknown) => e);
    expect((refused as AuraError).code).toBe(ErrorCodes.DEPLOYMENT_BREAKING);
    expect((refused as AuraError).message).toContain('at offset 2 cannot be read: not a deployment record of format 1 (format 99)');
    const allowed = await checkAndRecordDeployment(v2, transport, { stateDir: stateA, allowBreaking: true });
    expect(allowed.recorded).toBe(true);
    expect(allowed.resetChangelogs).toEqual([]);
    expect((await readDeployment(transport, 'deploy-check'))?.format).toBe(1);
  });
});
