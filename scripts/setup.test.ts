/**
 * scripts/setup.sh in its dry-run mode (AURA_SETUP_DRY_RUN=1), run for real by bash on a copy
 * of the checkout without node_modules, as the machine's states it must handle:
 *
 * - which Debian packages are installed: the real dpkg-query, reading a package database this
 *   test writes (DPKG_ADMINDIR) — empty for a fresh machine;
 * - who runs it: root, or an unprivileged user (`setpriv` to nobody when the test runs as root);
 * - which commands exist: PATH is a directory of links made here. `apt-get` and `sudo` link to
 *   `false`, so a dry run that ran either would fail loudly instead of installing anything.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = process.getuid?.() === 0;
const which = (cmd: string): string | undefined => {
  const r = spawnSync('bash', ['-c', `type -P ${cmd}`], { encoding: 'utf8' }); // the file, never a builtin
  return r.status === 0 ? r.stdout.trim() : undefined;
};
const BASH = which('bash')!;
const SETPRIV = which('setpriv');
const DEBIAN = Boolean(which('dpkg-query'));

/** What a fresh Debian machine lacks, in the order setup.sh names them (the "exact line"). */
const DEBIAN_PACKAGES = [
  'build-essential',
  'python3',
  'pkg-config',
  'zlib1g-dev',
  'libssl-dev',
  'libzstd-dev',
  'liblz4-dev',
  'libsasl2-dev',
  'libcurl4-openssl-dev',
  'chromium',
  'curl',
  'openssl',
];
const TOOL_PACKAGES = { java: 'default-jre-headless', mvn: 'maven' };
const ALL = [...DEBIAN_PACKAGES, ...Object.values(TOOL_PACKAGES)];
const NPM_LINE = 'CKJS_LINKING=dynamic ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-setup-'));
  fs.chmodSync(dir, 0o755); // readable by the unprivileged user the script runs as
  temps.push(dir);
  return dir;
}

/** A checkout as cloned: the script and package.json, no node_modules. */
function freshCheckout(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'scripts'), { mode: 0o755 });
  fs.copyFileSync(path.join(ROOT, 'scripts/setup.sh'), path.join(dir, 'scripts/setup.sh'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const f of ['scripts/setup.sh', 'package.json']) fs.chmodSync(path.join(dir, f), 0o755);
  return dir;
}

/** A dpkg database in which exactly `installed` are installed. */
function dpkgDatabase(installed: string[]): string {
  const dir = tempDir();
  const stanza = (p: string) => `Package: ${p}\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\nMaintainer: test\nDescription: test\n`;
  fs.writeFileSync(path.join(dir, 'status'), installed.map(stanza).join('\n'), { mode: 0o644 });
  return dir;
}

interface Machine {
  installed: string[];
  tools?: Array<'java' | 'mvn' | 'sudo'>;
  node?: boolean;
  dpkg?: boolean;
}

/** PATH for the script: node, npm, dirname and (unless `dpkg: false`) dpkg-query are the real ones. */
function pathFor(m: Machine): string {
  const dir = tempDir();
  const link = (name: string, target: string) => fs.symlinkSync(target, path.join(dir, name));
  link('dirname', which('dirname')!);
  if (m.node !== false) {
    link('node', process.execPath);
    link('npm', fs.realpathSync(which('npm')!));
  }
  if (m.dpkg !== false) {
    link('dpkg-query', which('dpkg-query')!);
    link('apt-get', which('false')!);
  }
  for (const t of m.tools ?? []) link(t, which(t === 'sudo' ? 'false' : 'true')!);
  return dir;
}

function runSetup(m: Machine, opts: { asRoot: boolean; checkout?: string }) {
  const checkout = opts.checkout ?? freshCheckout();
  const env = { PATH: pathFor(m), DPKG_ADMINDIR: dpkgDatabase(m.installed), AURA_SETUP_DRY_RUN: '1', HOME: tempDir() };
  const script = path.join(checkout, 'scripts/setup.sh');
  // As root, drop to nobody for the unprivileged cases; as a user, run as that user.
  const [cmd, args] = !opts.asRoot && isRoot ? [SETPRIV!, ['--reuid=65534', '--regid=65534', '--clear-groups', BASH, script]] : [BASH, [script]];
  const r = spawnSync(cmd as string, args as string[], { cwd: os.tmpdir(), env, encoding: 'utf8', timeout: 30_000 });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines, checkout };
}

describe.runIf(DEBIAN)('scripts/setup.sh (dry run)', () => {
  it('as a user without sudo on a fresh machine: prints the exact apt-get line to run as root and exits non-zero', () => {
    const r = runSetup({ installed: [] }, { asRoot: false });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('setup: not root and no sudo: run this as root, then run scripts/setup.sh again:');
    expect(r.stderr.split('\n')).toContain(`apt-get update && apt-get install -y ${ALL.join(' ')}`);
    expect(r.stdout).not.toContain('npm ci');
  });

  it.runIf(isRoot)('as root on a fresh machine: prints the apt-get it would run, then npm ci with the build environment, and changes nothing', () => {
    const r = runSetup({ installed: [] }, { asRoot: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines).toContain(`setup: Debian packages missing: ${ALL.join(' ')}`);
    expect(r.lines).toContain(`setup: would run: apt-get update && apt-get install -y ${ALL.join(' ')}`);
    expect(r.lines).toContain(`setup: would run: ${NPM_LINE}`);
    expect(r.lines.indexOf(`setup: would run: ${NPM_LINE}`)).toBeGreaterThan(r.lines.findIndex((l) => l.includes('apt-get install')));
    expect(fs.readdirSync(r.checkout).sort()).toEqual(['package.json', 'scripts']);
  });

  it('as a user with sudo: would install through sudo', () => {
    const r = runSetup({ installed: [], tools: ['sudo'] }, { asRoot: false });
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines).toContain(`setup: would run: sudo apt-get update && sudo apt-get install -y ${ALL.join(' ')}`);
    expect(r.lines).toContain(`setup: would run: ${NPM_LINE}`);
  });

  it('names only what is missing: packages by dpkg status, Java and Maven by command', () => {
    const installed = DEBIAN_PACKAGES.filter((p) => p !== 'libzstd-dev' && p !== 'chromium');
    const r = runSetup({ installed, tools: ['java'] }, { asRoot: false });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')).toContain('apt-get update && apt-get install -y libzstd-dev chromium maven');
  });

  it('with everything installed: no apt step, even without root or sudo, and goes on to npm ci', () => {
    const r = runSetup({ installed: DEBIAN_PACKAGES, tools: ['java', 'mvn'] }, { asRoot: false });
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines).toContain('setup: Debian packages: all present');
    expect(r.stdout + r.stderr).not.toContain('apt-get');
    expect(r.lines).toContain(`setup: would run: ${NPM_LINE}`);
  });

  it('without Node.js on PATH: says so and stops before anything else', () => {
    const r = runSetup({ installed: [], node: false }, { asRoot: false });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^setup: Node\.js and npm are required and not on PATH/m);
    expect(r.stdout + r.stderr).not.toContain('apt-get');
  });

  it('off Debian: lists what to install and how to skip the package step', () => {
    const r = runSetup({ installed: [], dpkg: false }, { asRoot: false });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Install the equivalents of: ${ALL.join(' ')}`);
    expect(r.stderr).toContain('AURA_SETUP_SKIP_PACKAGES=1 scripts/setup.sh');
  });

  it('refuses to run npm ci through a symlinked node_modules (a tree other checkouts share)', () => {
    const checkout = freshCheckout();
    fs.symlinkSync(tempDir(), path.join(checkout, 'node_modules'));
    const r = runSetup({ installed: DEBIAN_PACKAGES, tools: ['java', 'mvn'] }, { asRoot: false, checkout });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('node_modules is a symlink');
    expect(r.stdout).not.toContain('would run: CKJS_LINKING');
  });
});
