/**
 * The Confluent Cloud path on the local broker's SASL_SSL listener (self-signed
 * CA made at broker start, see scripts/kafka.sh): clients configured only from
 * the environment docs/deployment.md tells a user to set — KAFKA_BROKERS,
 * KAFKA_SECURITY_PROTOCOL=sasl_ssl, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
 * KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_LOCATION — with PLAIN (Confluent Cloud's
 * mechanism) and SCRAM-SHA-512. The whole transport suite also runs over it
 * (sasl-ssl-transport.kafka.test.ts).
 */
import { describe, expect, inject, it } from 'vitest';
import { noopListener, pollUntil, uniqueName } from '../../testing/support/kafka-clients.js';
import { kafkaConfigFromEnv } from './config.js';
import { createKafkaTransport } from './index.js';

const settings = inject('kafkaSaslSsl');

/** The environment a user sets for a SASL_SSL cluster, for one of the listener's users. */
export function saslSslEnv(mechanism: 'PLAIN' | 'SCRAM-SHA-512', password?: string): NodeJS.ProcessEnv {
  const s = inject('kafkaSaslSsl')!;
  const user = mechanism === 'PLAIN' ? 'PLAIN' : 'SCRAM';
  return {
    KAFKA_BROKERS: s.KAFKA_BROKERS,
    KAFKA_SECURITY_PROTOCOL: s.KAFKA_SECURITY_PROTOCOL,
    KAFKA_SSL_CA_LOCATION: s.KAFKA_SSL_CA_LOCATION,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: s[`${user}_USERNAME`],
    KAFKA_SASL_PASSWORD: password ?? s[`${user}_PASSWORD`],
  };
}

describe.skipIf(!settings)('Kafka over SASL_SSL', () => {
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: creates a topic, produces, consumes in a group and commits a transaction`, async () => {
      const transport = createKafkaTransport(kafkaConfigFromEnv(saslSslEnv(mechanism)));
      try {
        await transport.connect();
        const topic = uniqueName(`sasl-${mechanism.toLowerCase()}`);
        await transport.admin().createTopics([{ name: topic, partitions: 2, replication: 1, config: {} }]);
        expect((await transport.admin().listTopics()).map((t) => t.name)).toContain(topic);
        const producer = transport.producer({ transactionalId: uniqueName('sasl-tx') });
        await producer.beginTransaction();
        await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(`v${i}`) })));
        await producer.commitTransaction();
        await producer.beginTransaction();
        await producer.send([{ topic, key: 'k0', value: Buffer.from('aborted') }]);
        await producer.abortTransaction();
        await producer.close();
        const consumer = transport.consumer({ groupId: uniqueName('sasl-g'), isolation: 'read_committed', autoOffsetReset: 'earliest' });
        await consumer.subscribe([topic], noopListener);
        const records = await pollUntil(consumer, (r) => r.length >= 10);
        expect(records.map((r) => r.value!.toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
        await consumer.commit(records.map((r) => ({ topic, partition: r.partition, offset: r.offset + 1 })));
        await consumer.close();
        await transport.admin().deleteTopics([topic]);
      } finally {
        await transport.close();
      }
    });
  }

  it('fails to connect with a wrong password, and without the CA the certificate is refused', async () => {
    const attempts = [saslSslEnv('PLAIN', 'not-the-password'), { ...saslSslEnv('SCRAM-SHA-512'), KAFKA_SSL_CA_LOCATION: undefined }].map(async (env) => {
      const transport = createKafkaTransport(kafkaConfigFromEnv(env));
      try {
        await expect(transport.connect()).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
      } finally {
        await transport.close();
      }
    });
    await Promise.all(attempts);
  }, 60_000);
});
