/**
 * Public surface of state/ for the runtime and the test driver. Processors
 * import only the interfaces in ./types.js.
 */

export { compareKeys, decodeKey, encodeKey, sessionKey, windowKey } from './key-codec.js';
export { LATENCY_BUCKETS_MS } from './metered-stores.js';
export { parseTpKey, taskDir, tpKey } from './sqlite-db.js';
export { TaskStateManager, type TaskStateOptions, type TaskStateStats } from './task-state-manager.js';
export type * from './types.js';
