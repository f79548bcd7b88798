/**
 * Where a key of a store lives: the task (sub-topology × partition) that owns
 * it, running here or on a peer. Same partitioner as the engine and Kafka.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { GatewayDeps } from '../deps.js';
import type { InstanceInfo } from './instance-registry.js';

export type Lookup<V> =
  | { where: 'local'; taskId: string; value: V | undefined }
  | { where: 'remote'; taskId: string; owner: InstanceInfo }
  | { where: 'unknown'; taskId: string };

export function lookupKey<V>(d: GatewayDeps, storeId: string, key: string): Lookup<V> {
  const st = d.pipeline.subtopologies.find((s) => s.stores.includes(storeId));
  if (!st) throw new Error(`store "${storeId}" is not in the pipeline`);
  // A fused sub-topology's stores live in its chain's head's tasks.
  const taskId = `${st.fusedInto ?? st.id}_${d.transport.partitionFor(key, st.partitions)}`;
  const task = d.app.engine.taskForStore(storeId, key);
  if (task) return { where: 'local', taskId, value: (task.options.state.getStore(storeId) as KeyValueStore<V>).get(key) };
  const owner = d.registry.ownerOf(taskId);
  return owner ? { where: 'remote', taskId, owner } : { where: 'unknown', taskId };
}
