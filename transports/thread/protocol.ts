/**
 * The messages between a thread transport (client.ts, the thread that uses the log) and its host
 * (host.ts, the thread that owns it), over one MessagePort. Every call is a request with an id
 * answered once, in the order the host finishes them; `seek`, `pause` and `resume` are requests
 * too (the caller does not wait for them, but the port keeps their order before the next poll).
 * Record values and keys cross as structured clones: a Buffer arrives as a Uint8Array and is
 * turned back into a Buffer over the same memory (`asBuffer`).
 */
import { AuraError, type ErrorCode, ErrorCodes } from '../../common/errors.js';

/** `target`: the transport (0), or the handle a `producer`/`consumer`/`admin` call returned. */
export interface Request {
  id: number;
  target: number;
  op: string;
  args: unknown[];
}

export type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export interface WireError {
  message: string;
  code?: ErrorCode;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

/** What a poll answers: the records and the consumer's positions after it (the client's `position()` mirror). */
export interface PollAnswer {
  records: unknown[];
  positions: Array<{ topic: string; partition: number; offset: number }>;
}

export function toWire(err: unknown): WireError {
  if (err instanceof AuraError) return { message: err.message, code: err.code, retriable: err.retriable, details: err.details };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The host's error as the caller's: its own code when it had one, TRANSPORT_FAILED otherwise. */
export function fromWire(e: WireError): AuraError {
  return new AuraError(e.code ?? ErrorCodes.TRANSPORT_FAILED, e.message, { retriable: e.retriable ?? false, details: e.details });
}

export function asBuffer(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `thread transport: a record value must be bytes, got ${typeof v}`);
}
