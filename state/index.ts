/**
 * Public surface of state/ for the runtime and the test driver. Processors
 * import only the interfaces in ./types.js.
 */
export type * from './types.js';
export { TaskStateManager, type TaskStateOptions, type TaskStateStats } from './task-state-manager.js';
export { LATENCY_BUCKETS_MS } from './metered-stores.js';
export { encodeKey, decodeKey, windowKey, sessionKey, compareKeys } from './key-codec.js';
export { taskDir, tpKey, parseTpKey } from './sqlite-db.js';
