/**
 * The Kafka transport suite again, over the broker's SASL_SSL listener with
 * SASL/PLAIN (what Confluent Cloud uses): the same test files, their transport
 * made from the SASL_SSL environment instead of the plaintext address.
 */
import { inject, vi } from 'vitest';
import { kafkaConfigFromEnv } from './config.js';
import { createKafkaTransport } from './index.js';

vi.mock('../../testing/support/kafka-clients.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../testing/support/kafka-clients.js')>();
  return {
    ...original,
    testTransport: () => {
      const s = inject('kafkaSaslSsl');
      if (!s) return original.testTransport();
      const env = {
        KAFKA_BROKERS: s.KAFKA_BROKERS,
        KAFKA_SECURITY_PROTOCOL: s.KAFKA_SECURITY_PROTOCOL,
        KAFKA_SSL_CA_LOCATION: s.KAFKA_SSL_CA_LOCATION,
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: s.PLAIN_USERNAME,
        KAFKA_SASL_PASSWORD: s.PLAIN_PASSWORD,
        KAFKA_CLIENT_ID: 'aura-kafka-test-sasl',
      };
      return createKafkaTransport(kafkaConfigFromEnv(env));
    },
  };
});

if (inject('kafkaSaslSsl')) {
  await import('./admin.kafka.test.js');
  await import('./produce-consume.kafka.test.js');
  await import('./transactions.kafka.test.js');
}
