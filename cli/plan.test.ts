/**
 * `aura plan` and the deployment gate of `aura run`, as a user meets them on
 * the embedded log: a plan before anything is deployed (everything added),
 * `aura run` recording the deployment, `aura plan` while it runs (from the
 * copy in the state directory), a breaking change planned (exit 2), refused
 * by `aura run` (exit 1, nothing recorded), then deployed with
 * `--allow-breaking`, which says what it discards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auraInProcess } from '../testing/support/aura-in-process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-plan-'));
const file = path.join(dir, 'pipeline.yaml');
const stateDir = path.join(dir, 'state');
const env = { AURA_STATE_DIR: stateDir, KAFKA_BROKERS: '' };

const v1 = `app: plan-cli
defaults:
  partitions: 2
  state_dir: \${AURA_STATE_DIR}
topics:
  events: { name: plan.events }
  hourly: { name: plan.hourly }
stores:
  hourly_store: { kind: window }
processors:
  hourly_spend:
    type: aggregate
    from: events
    to: hourly
    store: hourly_store
    config:
      window: { type: tumbling, size: 1h }
      aggregations:
        spent: { op: sum, field: amount }
`;
const v2 = v1.replace('size: 1h', 'size: 2h');

const plan = () => auraInProcess(['plan', file], env);

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function auraRun(...extra: string[]): Run {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, ...extra], {
    env: { ...process.env, ...env, AURA_LOG_LEVEL: 'info' },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

async function untilRunning(run: Run): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!run.output().includes('"msg":"pipeline running"')) {
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`aura run did not start:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('aura plan and aura run --allow-breaking on the embedded log', () => {
  it('plans everything as added before the first deployment (exit 1)', async () => {
    fs.writeFileSync(file, v1);
    const { code, out } = await plan();
    expect(code).toBe(1);
    expect(out).toContain(`aura plan: ${file}: no deployment of plan-cli is recorded yet — everything is new`);
    expect(out).toContain(`+ processor hourly_spend at ${file}:11:3: aggregate from events to hourly`);
    expect(out).toContain(`+ store hourly_store at ${file}:9:3: window, changelog plan-cli-hourly_store-changelog (starts empty)`);
    expect(out).toContain('Plan: 4 to add, 0 to change, 0 to remove; 0 breaking (need a reset or a migration), 4 safe.');
    expect(out).toContain(`(deployment none: there is no embedded log at ${path.join(stateDir, 'embedded-log.db')} yet)`);
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it('aura run records the deployment; aura plan while it runs reads the local copy and finds no change (exit 0)', async () => {
    const run = auraRun();
    try {
      await untilRunning(run);
      expect(run.output()).toContain('aura run: deployment of plan-cli: the first\n');
      expect(run.output()).toContain('aura run: deployment recorded in plan-cli-deployments\n');
      const { code, out } = await plan();
      expect(code).toBe(0);
      expect(out).toContain('No changes: the pipeline is what is deployed.');
      expect(out).toContain(`(deployment read from ${path.join(stateDir, 'plan-cli', 'deployment.json')}: the embedded log is in use by the running pipeline)`);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
  });

  it('plans a window change as breaking (exit 2), with its line:col and what to do', async () => {
    fs.writeFileSync(file, v2);
    const { code, out } = await plan();
    expect(code).toBe(2);
    const lines = out.split('\n');
    expect(lines).toContain(
      `~ processor hourly_spend at ${file}:11:3: config window {"type":"tumbling","size":"1h","grace":0} -> {"type":"tumbling","size":"2h","grace":0}`,
    );
    expect(lines).toContain(
      '    ! WINDOW_CHANGED: window tumbling size 1h -> tumbling size 2h: store "hourly_store" holds windows with the old bounds, which the new window would misread',
    );
    expect(out).toContain('      to do: keep the window;');
    expect(out).toContain(
      '  - the state of store "hourly_store" (changelog plan-cli-hourly_store-changelog and local files) (WINDOW_CHANGED at processor hourly_spend)',
    );
    expect(out).toContain(`(deployment read from plan-cli-deployments on embedded log at ${path.join(stateDir, 'embedded-log.db')})`);
  });

  it('aura run refuses the breaking change (exit 1) and records nothing', async () => {
    const run = auraRun();
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('aura run: refusing to deploy: breaking changes against the deployment of plan-cli');
    expect(run.output()).toContain(`~ processor hourly_spend at ${file}:11:3`);
    expect(run.output()).toContain('start with --allow-breaking; it discards:');
    expect(run.output()).not.toContain('pipeline running');
    expect((await plan()).code).toBe(2);
  });

  it('aura run --allow-breaking deploys it and says what it discards; the plan is then empty', async () => {
    const run = auraRun('--allow-breaking');
    try {
      await untilRunning(run);
      const out = run.output();
      expect(out).toContain('aura run: --allow-breaking: deploying 1 breaking change(s); discarded:');
      expect(out).toContain(
        '  - the state of store "hourly_store" (changelog plan-cli-hourly_store-changelog and local files) (WINDOW_CHANGED at processor hourly_spend)',
      );
      expect(out).toContain('  changelogs deleted and re-created empty: plan-cli-hourly_store-changelog');
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    expect((await plan()).code).toBe(0);
  });

  it('exits 3 when the pipeline is invalid, and prints JSON with --format json', async () => {
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'app: plan-cli\ntopics: {}\nprocessors:\n  x: { type: nope, from: y }\n');
    const broken = await auraInProcess(['plan', path.join(dir, 'broken.yaml')], env);
    expect(broken.code).toBe(3);
    expect(broken.err).toContain('is not a valid pipeline');
    const json = await auraInProcess(['plan', file, '--format', 'json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ app: 'plan-cli', verdict: 'none', changes: [] });
  });
});
