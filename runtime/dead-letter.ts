/**
 * Dead letters keep the original bytes (so a fixed pipeline can replay them)
 * and say where they came from and why they failed, in headers — the same
 * information Kafka Streams' DeadLetterQueue handlers record.
 */
import { errorCode, errorMessage } from '../common/errors.js';
import type { LogRecord, OutgoingRecord } from '../transports/types.js';

export const DLQ_HEADERS = {
  topic: 'aura.dlq.topic',
  partition: 'aura.dlq.partition',
  offset: 'aura.dlq.offset',
  key: 'aura.dlq.key',
  timestamp: 'aura.dlq.timestamp',
  node: 'aura.dlq.node',
  code: 'aura.dlq.error.code',
  message: 'aura.dlq.error.message',
  app: 'aura.dlq.app',
} as const;

export function deadLetter(app: string, dlqTopic: string, source: LogRecord, nodeId: string, err: unknown, now: number): OutgoingRecord {
  return {
    topic: dlqTopic,
    key: source.key,
    value: source.value,
    timestamp: now,
    headers: {
      ...source.headers,
      [DLQ_HEADERS.app]: app,
      [DLQ_HEADERS.topic]: source.topic,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: String(source.offset),
      [DLQ_HEADERS.key]: source.key ?? '',
      [DLQ_HEADERS.timestamp]: String(source.timestamp),
      [DLQ_HEADERS.node]: nodeId,
      [DLQ_HEADERS.code]: errorCode(err),
      [DLQ_HEADERS.message]: errorMessage(err).slice(0, 2000),
    },
  };
}
