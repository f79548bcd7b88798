/**
 * Where a key of a store lives — the task (sub-topology × partition) that owns
 * it, running here or on a peer — and its value when it is here. Built on the
 * engine's store query API (runtime/store-query.ts), plus the instance
 * registry for the tasks that run elsewhere.
 */
import { storeQuery } from '../../runtime/store-query.js';
import type { GatewayDeps } from '../deps.js';
import type { InstanceInfo } from './instance-registry.js';

export type Lookup<V> =
  | { where: 'local'; taskId: string; value: V | undefined }
  | { where: 'remote'; taskId: string; owner: InstanceInfo }
  | { where: 'unknown'; taskId: string };

/** Key-value stores: the value of `key`, or who holds it. */
export function lookupKey<V>(d: GatewayDeps, storeId: string, key: string): Lookup<V> {
  const found = storeQuery(d.app).get(storeId, key);
  if (found.entries) return { where: 'local', taskId: found.taskId, value: found.entries[0]?.value as V | undefined };
  return ownerOf(d, found.taskId);
}

/** The peer that runs `taskId`, from the registry. */
export function ownerOf(d: GatewayDeps, taskId: string): Exclude<Lookup<never>, { where: 'local' }> {
  const owner = d.registry.ownerOf(taskId);
  return owner ? { where: 'remote', taskId, owner } : { where: 'unknown', taskId };
}
