/**
 * JSON serde at the edges of the engine: records are Buffers on the log and
 * plain values inside. A value that does not parse is a DESERIALIZATION error,
 * which the failure policy turns into a dead letter (the raw bytes are kept).
 */
import { AuraError, ErrorCodes } from '../common/errors.js';

export function decodeValue(buf: Buffer | null): unknown {
  if (buf === null) return null;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new AuraError(ErrorCodes.DESERIALIZATION, `value is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function encodeValue(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.from(JSON.stringify(value), 'utf8');
}
