/**
 * Serdes at the edges of the engine: records are Buffers on the log and plain
 * values inside. Plain JSON is the default (`format: json`); topics with a
 * Schema Registry format are handled by serdes/registry-serdes.ts behind the
 * same interface. A value that cannot be decoded is a DESERIALIZATION error,
 * which the failure policy turns into a dead letter (the raw bytes are kept).
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import { parseJsonBytes } from '../serdes/json-bytes.js';
import { JsonArena } from '../state/json-arena.js';
import { STORE_JSON, STORE_JSON_BYTES } from '../state/types.js';
import type { LogRecord } from '../transports/types.js';

export interface ValueSerdes {
  /** Fetches what decoding these records needs (registry schemas by id) before they are processed. */
  prefetch?(records: readonly LogRecord[]): Promise<void>;
  /** The value of a record of physical topic `topic`; throws DESERIALIZATION. */
  decode(topic: string, value: Buffer | null): unknown;
  /** The bytes of a value for physical topic `topic`; throws SCHEMA_VIOLATION when the topic's schema cannot hold it. */
  encode(topic: string, value: unknown): Buffer | null;
}

export function decodeValue(buf: Buffer | null): unknown {
  if (buf === null) return null;
  try {
    // JSON.parse's value, read from the bytes for small ASCII events (serdes/json-bytes.ts).
    return parseJsonBytes(buf);
  } catch (err) {
    throw new AuraError(ErrorCodes.DESERIALIZATION, `value is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Where values with a byte writer are encoded: each record's value is a view of it (never rewritten). */
const arena = new JsonArena();

export function encodeValue(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  // A value with a writer of its own shape (state/types.ts STORE_JSON_BYTES, STORE_JSON: exactly
  // JSON.stringify's text): its bytes straight into the arena, or its string.
  if (typeof value === 'object') {
    const bytes = (value as { [STORE_JSON_BYTES]?: (out: JsonArena) => boolean })[STORE_JSON_BYTES];
    if (bytes !== undefined) {
      arena.begin();
      if (bytes.call(value, arena)) return arena.end();
      arena.abandon();
    }
    const own = (value as { [STORE_JSON]?: () => string })[STORE_JSON];
    if (own !== undefined) return Buffer.from(own.call(value), 'utf8');
  }
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Every topic plain JSON. */
export const jsonSerdes: ValueSerdes = {
  decode: (_topic, value) => decodeValue(value),
  encode: (_topic, value) => encodeValue(value),
};
