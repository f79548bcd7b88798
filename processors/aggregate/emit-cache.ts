/**
 * `emit: on_commit`: an aggregate hands its updates to its task's record cache
 * (state/record-cache.ts) instead of forwarding them; the cache merges them per
 * key and calls back once per commit (or at an eviction) with the latest.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { ForwardCache, ForwardCacheListener, StoreExtras } from '../../state/types.js';
import type { ProcessorContext } from '../types.js';

/** The node's part of the record cache, through the store the aggregate keeps its state in. */
export function openRecordCache<F>(
  ctx: ProcessorContext,
  store: StoreExtras,
  listener: ForwardCacheListener<F>,
  maxBytes: number | undefined,
): ForwardCache<F> {
  if (store.recordCache === undefined) {
    throw new AuraError(
      ErrorCodes.STORE_FAILED,
      `aggregate "${ctx.nodeId}": emit "on_commit" needs a record cache, and its store has none (not a task's state store)`,
    );
  }
  return store.recordCache(ctx.nodeId, listener, maxBytes);
}
