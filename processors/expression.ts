/**
 * JSONata expressions for filter, map and branch (a well-kept expression
 * language instead of a home-made one). jsonata 1.x evaluates synchronously,
 * which keeps these processors on the fast synchronous path. The record value
 * is the input; `$key`, `$timestamp` and `$headers` are bound.
 */
import jsonata from 'jsonata';
import type { StreamRecord } from './types.js';

export type CompiledExpression = (record: StreamRecord) => unknown;

export function compileExpression(source: string): CompiledExpression {
  const expr = jsonata(source);
  return (record) => expr.evaluate(record.value, { key: record.key, timestamp: record.timestamp, headers: record.headers });
}

/** JSONata's truthiness for conditions: a boolean true, or a non-empty match. */
export function truthy(result: unknown): boolean {
  if (Array.isArray(result)) return result.length > 0 && result.some(truthy);
  return result !== undefined && result !== null && result !== false && result !== 0 && result !== '';
}
