import { describe, expect, it } from 'vitest';
import { describeKafkaConfig, kafkaConfigFromEnv, rdkafkaBaseConfig } from './config.js';

describe('Kafka connection config', () => {
  const env = { KAFKA_BROKERS: 'b1:9092,b2:9092', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'aura-svc', KAFKA_SASL_PASSWORD: 's3cr3t-pw' };

  it('maps the environment to librdkafka properties', () => {
    const cfg = kafkaConfigFromEnv(env);
    expect(cfg.clientId).toBe('aura-streams');
    expect(rdkafkaBaseConfig(cfg)).toMatchObject({
      'bootstrap.servers': 'b1:9092,b2:9092',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'aura-svc',
      'sasl.password': 's3cr3t-pw',
    });
  });

  it('never prints the password and only a prefix of the user', () => {
    const line = describeKafkaConfig(kafkaConfigFromEnv(env));
    expect(line).toContain('brokers=b1:9092,b2:9092');
    expect(line).not.toContain('s3cr3t');
    expect(line).not.toContain('aura-svc');
    expect(line).toContain('password=***');
  });

  it('rejects a missing broker list, an unknown protocol and SASL without credentials', () => {
    expect(() => kafkaConfigFromEnv({})).toThrow(/KAFKA_BROKERS/);
    expect(() => rdkafkaBaseConfig(kafkaConfigFromEnv({ KAFKA_BROKERS: 'x:1', KAFKA_SECURITY_PROTOCOL: 'tls' }))).toThrow(/KAFKA_SECURITY_PROTOCOL/);
    expect(() => rdkafkaBaseConfig(kafkaConfigFromEnv({ KAFKA_BROKERS: 'x:1', KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' }))).toThrow(/KAFKA_SASL_USERNAME/);
  });
});
