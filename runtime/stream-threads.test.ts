/**
 * How many stream threads run and under which ids (runtime/stream-thread-protocol.ts),
 * the `defaults.stream_threads` declaration, and `aura run --threads` refusing what it
 * cannot do: a bad count, or more than one thread on the embedded log. The threads
 * themselves run on Kafka in stream-threads.kafka.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { compilePipeline } from '../topology/compile.js';
import { MAX_STREAM_THREADS, streamThreadCount, threadIds } from './stream-thread-protocol.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const source = fs.readFileSync(path.join(ROOT, 'runtime/fixtures/crash.yaml'), 'utf8');
const withThreads = (value: string) => source.replace('processing: exactly_once', `processing: exactly_once\n  stream_threads: ${value}`);
const compile = (text: string) => compilePipeline(text, path.join(ROOT, 'runtime/fixtures/p.yaml'), { env: { AURA_STATE_DIR: '/tmp/x' } });

function thrown(f: () => unknown): AuraError {
  try {
    f();
  } catch (err) {
    if (err instanceof AuraError) return err;
    throw err;
  }
  throw new Error('expected an AuraError');
}

describe('streamThreadCount', () => {
  it('is the declaration unless --threads is given', () => {
    expect(streamThreadCount({ declared: 3, transport: 'kafka' })).toBe(3);
    expect(streamThreadCount({ declared: 3, flag: '2', transport: 'kafka' })).toBe(2);
    expect(streamThreadCount({ declared: 1, flag: ` ${MAX_STREAM_THREADS} `, transport: 'kafka' })).toBe(MAX_STREAM_THREADS);
  });

  it.each(['0', '-1', '1.5', 'two', '', '2x', String(MAX_STREAM_THREADS + 1)])('refuses --threads "%s" with CONFIG_INVALID', (flag) => {
    const err = thrown(() => streamThreadCount({ declared: 1, flag, transport: 'kafka' }));
    expect(err.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(err.message).toContain(`--threads must be an integer from 1 to ${MAX_STREAM_THREADS}`);
  });

  it('refuses more than one thread on the embedded log, from the flag or the declaration', () => {
    expect(streamThreadCount({ declared: 1, flag: '1', transport: 'embedded' })).toBe(1);
    for (const o of [
      { declared: 1, flag: '2' },
      { declared: 4, flag: undefined },
    ]) {
      const err = thrown(() => streamThreadCount({ ...o, transport: 'embedded' }));
      expect(err.code).toBe(ErrorCodes.CONFIG_INVALID);
      expect(err.message).toMatch(/stream threads need Kafka \(set KAFKA_BROKERS\)/);
    }
  });
});

describe('threadIds', () => {
  it('keeps the process ids for thread 1 and derives distinct, stable ones for the others', () => {
    const base = { instanceId: 'pod-0', groupInstanceId: 'pod-0' };
    expect(threadIds(base, 1)).toEqual({ instanceId: 'pod-0', groupInstanceId: 'pod-0' });
    expect(threadIds(base, 2)).toEqual({ instanceId: 'pod-0-t2', groupInstanceId: 'pod-0-t2' });
    expect(threadIds(base, 2)).toEqual(threadIds(base, 2));
    expect(threadIds({ instanceId: 'host-42' }, 3)).toEqual({ instanceId: 'host-42-t3', groupInstanceId: undefined });
    const ids = Array.from({ length: 8 }, (_, i) => threadIds(base, i + 1).instanceId);
    expect(new Set(ids).size).toBe(8);
  });
});

describe('defaults.stream_threads', () => {
  it('defaults to 1 and compiles a declared count', () => {
    expect(compile(source).pipeline?.defaults.streamThreads).toBe(1);
    expect(compile(withThreads('4')).pipeline?.defaults.streamThreads).toBe(4);
  });

  it.each(['0', '65', '1.5', '"two"'])('refuses stream_threads: %s', (value) => {
    const result = compile(withThreads(value));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.message).join('\n')).toMatch(/stream_threads/);
  });
});

describe('aura run --threads on the embedded log', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-threads-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--threads', '2'], 'source', /aura run: 2 stream threads need Kafka \(set KAFKA_BROKERS\)/],
    [[], 'declared', /aura run: 3 stream threads need Kafka/],
    [['--threads', 'many'], 'source', /aura run: --threads must be an integer from 1 to 64, got "many"/],
  ])('refuses %j (%s) with exit code 1 and says why', (args, which, message) => {
    const file = path.join(dir, `p-${which}.yaml`);
    fs.writeFileSync(file, (which === 'declared' ? withThreads('3') : source).replace('$schema=./schemas/', `$schema=${ROOT}/schemas/`));
    const env: NodeJS.ProcessEnv = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_LOG_LEVEL: 'silent' };
    delete env.KAFKA_BROKERS;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, ...args], { env, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('aura run:'); // refused before the start-up summary
  });

  it('refuses --watch with more than one thread on Kafka, before it connects', () => {
    const file = path.join(dir, 'p-watch.yaml');
    fs.writeFileSync(file, source.replace('$schema=./schemas/', `$schema=${ROOT}/schemas/`));
    // Nothing listens there: the refusal comes before any connection attempt.
    const env: NodeJS.ProcessEnv = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_LOG_LEVEL: 'silent', KAFKA_BROKERS: '127.0.0.1:1' };
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'run', file, '--threads', '2', '--watch'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toMatch(/aura run: --watch runs one stream thread/);
    expect(r.status).toBe(1);
  });
});
