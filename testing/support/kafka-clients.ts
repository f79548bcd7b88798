/** Shared by the *.kafka.test.ts files: a transport on the suite's broker, unique names, poll loops. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createKafkaTransport, type KafkaTransport } from '../../transports/kafka/index.js';
import type { Consumer, LogRecord } from '../../transports/types.js';

export function testTransport(): KafkaTransport {
  return createKafkaTransport({ brokers: inject('kafkaBrokers'), clientId: 'aura-kafka-test' });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls until `until(all records so far)` holds or the deadline passes; returns everything polled. */
export async function pollUntil(consumer: Consumer, until: (records: LogRecord[]) => boolean, timeoutMs = 15_000): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(out) && Date.now() < deadline) out.push(...(await consumer.poll(500, 200)));
  return out;
}

export const noopListener = { onAssigned: async () => {}, onRevoked: async () => {} };
