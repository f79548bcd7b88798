/**
 * The thread transport against the embedded log: the same contract (testing/support/
 * transport-contract.ts) in this thread and served from a transport thread; then what only the
 * thread has — a group consumer refused with a typed error, the host's error codes kept, and a
 * thread that dies failing every pending and later call instead of leaving them hanging.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { describeTransportContract } from '../../testing/support/transport-contract.js';
import { createEmbeddedTransport } from '../embedded/index.js';
import { startTransportThread, type TransportThread } from './index.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-thread-transport-'));
  dirs.push(dir);
  return path.join(dir, 'log.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describeTransportContract('embedded, in this thread', async () => {
  const transport = createEmbeddedTransport({ path: tempFile(), maintenanceIntervalMs: 0 });
  return { transport, cleanup: () => transport.close() };
});

describeTransportContract('embedded, served from a transport thread', async () => {
  const t = await startTransportThread({ path: tempFile(), maintenanceIntervalMs: 0 });
  return {
    transport: t.transport,
    cleanup: async () => {
      await t.transport.close();
      expect((await t.exited).code).toBe(0);
    },
  };
});

describe('transport thread', () => {
  let t: TransportThread | undefined;
  afterEach(async () => {
    await t?.worker.terminate();
    t = undefined;
  });

  it('refuses a group consumer with TRANSPORT_FAILED (the engine runs beside the log)', async () => {
    t = await startTransportThread({ path: tempFile(), maintenanceIntervalMs: 0 });
    const c = t.transport.consumer({ groupId: 'app', isolation: 'read_committed' });
    await expect(c.subscribe(['x'], { onAssigned: async () => {}, onRevoked: async () => {} })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    await expect(c.poll(1, 0)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });

  it("keeps the host's error codes: a send to a missing topic fails as it would in process", async () => {
    const file = tempFile();
    const local = createEmbeddedTransport({ path: `${file}.local`, maintenanceIntervalMs: 0 });
    const inProcess = await local
      .producer({})
      .send([{ topic: 'missing', partition: 0, key: null, value: null }])
      .then(
        () => 'sent',
        (e: AuraError) => e.code,
      );
    await local.close();
    t = await startTransportThread({ path: file, maintenanceIntervalMs: 0 });
    const err = await t.transport
      .producer({})
      .send([{ topic: 'missing', partition: 0, key: null, value: null }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe(inProcess);
  });

  it('fails a pending poll and every later call with TRANSPORT_FAILED when the thread dies', async () => {
    t = await startTransportThread({ path: tempFile(), maintenanceIntervalMs: 0 });
    await t.transport.admin().createTopics([{ name: 't', partitions: 1, replication: 1, config: {} }]);
    const c = t.transport.consumer({ isolation: 'read_committed' });
    await c.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const pending = c.poll(10, 30_000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await t.worker.terminate();
    const err = await pending;
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe('TRANSPORT_FAILED');
    expect((err as AuraError).message).toMatch(/transport thread exited/);
    expect((await t.exited).code).toBe(1);
    await expect(t.transport.producer({}).send([{ topic: 't', partition: 0, key: null, value: null }])).rejects.toMatchObject({
      code: 'TRANSPORT_FAILED',
    });
  });

  it('opens the same log again after the thread died (its lock and open transactions recovered)', async () => {
    const file = tempFile();
    t = await startTransportThread({ path: file, maintenanceIntervalMs: 0 });
    await t.transport.admin().createTopics([{ name: 't', partitions: 1, replication: 1, config: {} }]);
    const p = t.transport.producer({ transactionalId: 'tx' });
    await p.beginTransaction();
    await p.send([{ topic: 't', partition: 0, key: 'a', value: Buffer.from('kept') }]);
    await p.commitTransaction();
    await p.beginTransaction();
    await p.send([{ topic: 't', partition: 0, key: 'b', value: Buffer.from('open at the crash') }]);
    await t.worker.terminate();
    t = await startTransportThread({ path: file, maintenanceIntervalMs: 0 });
    const c = t.transport.consumer({ isolation: 'read_committed' });
    await c.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const got = await c.poll(10, 200);
    expect(got.map((r) => r.value?.toString())).toEqual(['kept']);
    await t.transport.close();
    expect((await t.exited).code).toBe(0);
    // Closed: a later call fails at once instead of waiting for an answer that cannot come.
    await expect(t.transport.admin().listTopics()).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    t = undefined;
  });
});
