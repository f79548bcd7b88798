import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedTransport } from './index.js';

describe('embedded log: one process per file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-lock-'));
  const file = path.join(dir, 'log.db');
  afterEach(() => fs.rmSync(`${file}.lock`, { force: true }));

  it('refuses a log held by another live process', async () => {
    const other = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(`${file}.lock`, String(other.pid));
      expect(() => createEmbeddedTransport({ path: file })).toThrow(/in use by process/);
    } finally {
      other.kill();
    }
  });

  it('creates the directory of a new log: the lock is taken before the file is opened', async () => {
    const nested = path.join(dir, 'a', 'b', 'log.db');
    const transport = createEmbeddedTransport({ path: nested });
    expect(fs.readFileSync(`${nested}.lock`, 'utf8')).toBe(String(process.pid));
    await transport.admin().createTopics([{ name: 't', partitions: 1, replication: 1, config: {} }]);
    expect((await transport.producer({}).send([{ topic: 't', key: 'k', value: Buffer.from('v') }]))[0]!.offset).toBe(0);
    await transport.close();
    expect(fs.existsSync(nested)).toBe(true);
    expect(fs.existsSync(`${nested}.lock`)).toBe(false);
  });

  it('takes over a stale lock left by a killed process, and releases it on close', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(`${file}.lock`, String(dead.pid));
    const transport = createEmbeddedTransport({ path: file });
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(String(process.pid));
    await transport.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});
