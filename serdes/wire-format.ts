/**
 * The Confluent Schema Registry wire format, as every Confluent serializer and
 * deserializer (Java, librdkafka's schema-registry clients, Connect) reads and
 * writes it: magic byte 0, the schema id as a 4-byte big-endian signed int,
 * then the payload (Avro binary, or the JSON text for JSON Schema).
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
import { AuraError, ErrorCodes } from '../common/errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

export interface WireRecord {
  schemaId: number;
  payload: Buffer;
}

export function encodeWire(schemaId: number, payload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) throw new RangeError(`schema id ${schemaId} is not a non-negative 32-bit integer`);
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  payload.copy(out, HEADER_SIZE);
  return out;
}

/** Splits a record value into schema id and payload; DESERIALIZATION when it is not in the wire format. */
export function decodeWire(buf: Buffer): WireRecord {
  if (buf.length < HEADER_SIZE) {
    throw new AuraError(
      ErrorCodes.DESERIALIZATION,
      `value is ${buf.length} bytes, too short for the Schema Registry wire format (magic byte 0 + 4-byte schema id + payload)`,
    );
  }
  const magic = buf.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    const hint = magic === 0x7b || magic === 0x5b ? ' (it looks like plain JSON: was it produced without the Schema Registry serializer?)' : '';
    throw new AuraError(
      ErrorCodes.DESERIALIZATION,
      `unknown magic byte ${magic} (0x${magic.toString(16).padStart(2, '0')}): the Schema Registry wire format starts with 0${hint}`,
      {
        details: { magicByte: magic },
      },
    );
  }
  return { schemaId: buf.readInt32BE(1), payload: buf.subarray(HEADER_SIZE) };
}
