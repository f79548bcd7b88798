/**
 * Restore against a real broker, on the two gaps Kafka leaves in a changelog:
 * transaction markers (a checkpoint points at a commit marker, the end is past
 * it) and a previous owner's transaction that is still completing when the
 * task is assigned (the LSO stands before it until its markers are written).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { kafkaTransport, uniquePrefix } from '../testing/support/kafka-harness.js';
import type { Consumer } from '../transports/types.js';
import { EngineMetrics } from './metrics.js';
import { restoreTasks } from './restore.js';
import type { RestoreRecord, RestoreTarget, TaskState } from './task-state.js';

/** Just enough of a TaskState: one changelog partition to restore from `fromOffset`, records collected. */
function fakeState(topic: string, fromOffset: number): TaskState & { restored: RestoreRecord[] } {
  const restored: RestoreRecord[] = [];
  const plan: RestoreTarget[] = [{ topic, partition: 0, fromOffset, kind: 'changelog', storeId: 's' }];
  const unused = () => {
    throw new Error('not used by restore');
  };
  return {
    restored,
    restorePlan: () => plan,
    restoreBatch: (_t, records) => void restored.push(...records),
    getStore: unused,
    prepareCommit: unused,
    completeCommit: unused,
    abortCommit: unused,
    needsFlush: () => false,
    dirtyCount: () => 0,
    purgeExpired: () => undefined,
    storeMetrics: () => [],
    close: () => undefined,
  };
}

describe('restore from a Kafka changelog', () => {
  const transport = kafkaTransport();
  const logger = createLogger('restore-test');
  const group = {} as Consumer; // tables only: never called for changelogs
  afterAll(() => transport.close());

  it('ends at a checkpoint that points at a commit marker, and restores only committed records', async () => {
    const topic = uniquePrefix('cl-markers');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = transport.producer({ transactionalId: uniquePrefix('tx') });
    await producer.beginTransaction();
    await producer.send([{ topic, partition: 0, key: 'k1', value: Buffer.from('v1') }]); // 0, marker 1
    await producer.commitTransaction();
    await producer.beginTransaction();
    await producer.send([{ topic, partition: 0, key: 'k2', value: Buffer.from('aborted') }]); // 2, marker 3
    await producer.abortTransaction();
    await producer.beginTransaction();
    await producer.send([{ topic, partition: 0, key: 'k3', value: Buffer.from('v3') }]); // 4, marker 5
    await producer.commitTransaction();
    await producer.close();

    const upToDate = fakeState(topic, 1);
    const started = Date.now();
    await restoreTasks([{ taskId: 't1', state: upToDate }], transport, group, logger, new EngineMetrics());
    expect(upToDate.restored.map((r) => r.key)).toEqual(['k3']);
    expect(Date.now() - started).toBeLessThan(10_000);

    const fresh = fakeState(topic, 0);
    await restoreTasks([{ taskId: 't2', state: fresh }], transport, group, logger, new EngineMetrics());
    expect(fresh.restored.map((r) => [r.key, r.offset])).toEqual([
      ['k1', 0],
      ['k3', 4],
    ]);
  });

  it("waits for a previous owner's transaction to complete instead of stopping at the LSO before it", async () => {
    const topic = uniquePrefix('cl-pending');
    await transport.admin().createTopics([{ name: topic, partitions: 1, replication: 1, config: { 'cleanup.policy': 'compact' } }]);
    const previousOwner = transport.producer({ transactionalId: uniquePrefix('tx') });
    await previousOwner.beginTransaction();
    await previousOwner.send([
      { topic, partition: 0, key: 'k1', value: Buffer.from('v1') },
      { topic, partition: 0, key: 'k2', value: Buffer.from('v2') },
    ]);
    // The transaction is open while the restore starts; it commits 700 ms later.
    const committing = new Promise((r) => setTimeout(r, 700)).then(() => previousOwner.commitTransaction());
    const state = fakeState(topic, 0);
    await restoreTasks([{ taskId: 't', state }], transport, group, logger, new EngineMetrics());
    await committing;
    await previousOwner.close();
    expect(state.restored.map((r) => r.key)).toEqual(['k1', 'k2']);
  });
});
