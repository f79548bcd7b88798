/**
 * Messages between the MiniLM embedder (main thread, minilm.ts) and its worker
 * threads (minilm-worker.ts). Errors cross as code + message: structured clone
 * keeps an Error's message but not an AuraError's code.
 */
import { AuraError, type ErrorCode, ErrorCodes } from '../../common/errors.js';

export type ToWorker = { type: 'embed'; id: number; texts: string[] } | { type: 'close' };

export interface WireError {
  code: ErrorCode;
  message: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; error: WireError }
  /** `vectors` holds texts.length × dims floats, row after row (its buffer is transferred). */
  | { type: 'done'; id: number; vectors: Float32Array }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'closed' };

export function toWire(err: unknown): WireError {
  if (err instanceof AuraError) return { code: err.code, message: err.message };
  return { code: ErrorCodes.PROVIDER_FAILED, message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(e: WireError): AuraError {
  return new AuraError(e.code, e.message);
}
