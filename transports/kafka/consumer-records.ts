/**
 * Helpers of the Kafka consumer adapter: librdkafka messages as LogRecords,
 * and committed-offset reads that ride out a moving group coordinator.
 */
import type { Message } from '@confluentinc/kafka-javascript';
import type { Headers, LogRecord } from '../types.js';

export function toRecord(m: Message): LogRecord {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    // The binding hands keys over as Buffers; toString() without arguments is Node's UTF-8 fast path.
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key.toString() : String(m.key),
    value: m.value ?? null,
    timestamp: m.timestamp ?? 0,
    // The binding leaves `headers` out of a message that has none (most): no iteration then.
    headers: m.headers === undefined ? {} : headersOf(m.headers),
  };
}

function headersOf(list: NonNullable<Message['headers']>): Headers {
  const headers: Headers = {};
  for (const h of list) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return headers;
}

/**
 * The group coordinator may be moving or still loading (a fresh broker, a restart): the Java client
 * retries OffsetFetch then, librdkafka hands the error back. Retry timeouts and coordinator errors
 * for up to 30 s before giving up.
 */
const COORDINATOR_CODES = new Set([-185 /* timed out */, 14 /* load in progress */, 15 /* not available */, 16 /* not coordinator */]);

export async function committedWithRetry<T>(fetch: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch();
    } catch (err) {
      const code = (err as { details?: { code?: number } }).details?.code;
      if (code === undefined || !COORDINATOR_CODES.has(code) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
    }
  }
}
