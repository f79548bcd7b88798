/**
 * The deployment record and gate on a real broker: `aura run` records the
 * deployment in `<app>-deployments`, `aura plan` reads it back, a breaking
 * change is refused, and `--allow-breaking` deletes and re-creates the
 * invalidated store's changelog empty, saying what it discards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeployment } from '../runtime/deployment-record.js';
import { aura, brokers, kafkaTransport, ROOT, readTopic, tempDir, uniquePrefix, waitFor } from '../testing/support/kafka-harness.js';

const prefix = uniquePrefix('plan');
const dir = tempDir('aura-plan-kafka');
const file = path.join(dir, 'pipeline.yaml');
const stateDir = path.join(dir, 'state');
const changelog = `${prefix}-hourly_store-changelog`;

const pipeline = (size: string) => `app: ${prefix}
defaults:
  partitions: 2
  commit_interval: 100ms
topics:
  events: { name: ${prefix}.events }
  hourly: { name: ${prefix}.hourly }
stores:
  hourly_store: { kind: window }
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
`;

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function auraRun(...extra: string[]): Run {
  const env = { ...process.env, KAFKA_BROKERS: brokers(), AURA_INSTANCE_ID: 'plan-a', AURA_LOG_LEVEL: 'info', KAFKA_SESSION_TIMEOUT_MS: '6000' };
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, '--state-dir', stateDir, ...extra], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

const running = (run: Run) =>
  waitFor(
    'aura run to start',
    () => {
      if (run.child.exitCode !== null) throw new Error(`aura run exited:\n${run.output()}`);
      return run.output().includes('"msg":"pipeline running"');
    },
    60_000,
  );

const plan = () => aura(['plan', file, '--state-dir', stateDir]);

describe('aura plan and the deployment gate on Kafka', () => {
  const transport = kafkaTransport('aura-plan-test');

  afterAll(async () => {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('aura run records the deployment on the broker; aura plan reads it back', async () => {
    fs.writeFileSync(file, pipeline('1h'));
    expect((await plan()).code).toBe(1);
    // A start that fails (its topics are missing on the cluster) records nothing: it never ran.
    const failed = auraRun();
    expect(await failed.exited).toBe(1);
    expect(failed.output()).toContain("the cluster's topics do not match what this pipeline needs");
    const stillNew = await plan();
    expect(stillNew.code).toBe(1);
    expect(stillNew.out).toContain(`no deployment of ${prefix} is recorded yet`);
    expect((await aura(['topics', 'apply', file])).code).toBe(0);
    const run = auraRun();
    try {
      await running(run);
      expect(run.output()).toContain(`aura run: deployment of ${prefix}: the first\n`);
      expect(run.output()).toContain(`aura run: deployment recorded in ${prefix}-deployments\n`);
      const producer = transport.producer({});
      await producer.send(
        Array.from({ length: 20 }, (_, i) => ({
          topic: `${prefix}.events`,
          key: `u${i % 4}`,
          value: Buffer.from(JSON.stringify({ amount: i })),
          timestamp: Date.now(),
        })),
      );
      await producer.close();
      await waitFor('the changelog to hold the aggregates', async () => (await readTopic(transport, changelog, 2, 'read_uncommitted')).length > 0, 30_000);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    const { code, out } = await plan();
    expect(code).toBe(0);
    expect(out).toContain('No changes: the pipeline is what is deployed.');
    expect(out).toContain(`(deployment read from ${prefix}-deployments on kafka`);
    await transport.connect();
    expect((await readDeployment(transport, prefix))?.recordedBy).toBe('plan-a');
  });

  it('refuses a breaking change, then deploys it with --allow-breaking and an empty changelog', async () => {
    fs.writeFileSync(file, pipeline('2h'));
    const planned = await plan();
    expect(planned.code).toBe(2);
    expect(planned.out).toContain(`~ processor hourly_spend at ${file}:11:3`);
    expect(planned.out).toContain('! WINDOW_CHANGED: window tumbling size 1h -> tumbling size 2h');

    const refused = auraRun();
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`aura run: refusing to deploy: breaking changes against the deployment of ${prefix}`);
    expect((await readTopic(transport, changelog, 2, 'read_uncommitted')).length).toBeGreaterThan(0);
    expect((await plan()).code).toBe(2);

    const run = auraRun('--allow-breaking');
    try {
      await running(run);
      expect(run.output()).toContain('aura run: --allow-breaking: deploying 1 breaking change(s); discarded:');
      expect(run.output()).toContain(
        `  - the state of store "hourly_store" (changelog ${changelog} and local files) (WINDOW_CHANGED at processor hourly_spend)`,
      );
      expect(run.output()).toContain(`  changelogs deleted and re-created empty: ${changelog}`);
      expect(await readTopic(transport, changelog, 2, 'read_uncommitted')).toEqual([]);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    expect((await plan()).code).toBe(0);
  });
});
