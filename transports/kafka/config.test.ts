import { describe, expect, it } from 'vitest';
import type { KafkaAdmin } from './admin.js';
import { propertyFromEnvName } from './client-settings.js';
import { describeKafkaConfig, kafkaConfigFromEnv, rdkafkaBaseConfig, rdkafkaRoleConfig, requireClientFeatures } from './config.js';
import { KafkaConsumerAdapter } from './consumer.js';
import { KafkaProducerAdapter } from './producer.js';

describe('Kafka connection config', () => {
  const env = {
    KAFKA_BROKERS: 'b1:9092,b2:9092',
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'aura-svc',
    KAFKA_SASL_PASSWORD: 's3cr3t-pw',
  };

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

  it('maps KAFKA_CONFIG_* names to librdkafka properties (_ → ., __ → _, ___ → -)', () => {
    expect(propertyFromEnvName('KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLE')).toBe('socket.keepalive.enable');
    expect(propertyFromEnvName('KAFKA_CONFIG_LOG__LEVEL')).toBe('log_level');
    expect(propertyFromEnvName('KAFKA_CONFIG_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM')).toBe('ssl.endpoint.identification.algorithm');
    const cfg = kafkaConfigFromEnv({ KAFKA_BROKERS: 'x:1', KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLE: 'true', KAFKA_SSL_CA_LOCATION: '/etc/ca.pem' });
    expect(rdkafkaBaseConfig(cfg)).toMatchObject({ 'socket.keepalive.enable': 'true', 'ssl.ca.location': '/etc/ca.pem' });
  });

  it('merges the pipeline kafka: block per role, the environment winning over the file', () => {
    const cfg = kafkaConfigFromEnv(
      { KAFKA_BROKERS: 'x:1', KAFKA_CONFIG_STATISTICS_INTERVAL_MS: '5000' },
      { common: { 'statistics.interval.ms': 1000, 'socket.timeout.ms': 30000 }, consumer: { 'fetch.min.bytes': 1024 }, producer: { 'linger.ms': 20 } },
    );
    const consumer = rdkafkaRoleConfig(cfg, 'consumer');
    const producer = rdkafkaRoleConfig(cfg, 'producer');
    expect(consumer).toMatchObject({ 'statistics.interval.ms': '5000', 'socket.timeout.ms': 30000, 'fetch.min.bytes': 1024 });
    expect(consumer['linger.ms']).toBeUndefined();
    expect(producer).toMatchObject({ 'linger.ms': 20 });
    expect(producer['fetch.min.bytes']).toBeUndefined();
    expect(describeKafkaConfig(cfg)).toContain('custom=statistics.interval.ms,socket.timeout.ms,fetch.min.bytes,linger.ms');
  });

  it('names unknown properties with a suggestion, reserved ones with what to do instead, and the wrong role', () => {
    const attempt = (env: Record<string, string>, settings = {}) => {
      try {
        kafkaConfigFromEnv({ KAFKA_BROKERS: 'x:1', ...env }, settings);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(attempt({ KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLED: 'true' })).toMatch(
      /KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLED: "socket.keepalive.enabled" is not a librdkafka property \(did you mean "socket.keepalive.enable"\?\)/,
    );
    expect(attempt({}, { consumer: { 'enable.auto.commit': true } })).toMatch(
      /kafka.consumer.enable.auto.commit: .*set by aura-streams.*committed by the engine/,
    );
    expect(attempt({}, { consumer: { 'linger.ms': 5 } })).toMatch(/kafka.consumer.linger.ms: "linger.ms" is a producer property: put it under kafka.producer/);
    expect(attempt({}, { producer: { 'fetch.wait.max.ms': 5 } })).toMatch(/consumer property/);
  });

  it('says which librdkafka features a build lacks for the chosen protocol', () => {
    expect(() => requireClientFeatures('sasl_ssl', 'SCRAM-SHA-512', ['gzip', 'sasl', 'sasl_plain'])).toThrow(
      /needs librdkafka features ssl, sasl_scram, which this build .* lacks/,
    );
    expect(() => requireClientFeatures('sasl_ssl', 'PLAIN', ['ssl', 'sasl', 'sasl_plain'])).not.toThrow();
    expect(() => requireClientFeatures('ssl', undefined, [])).toThrow(/features ssl/);
  });

  it('gives the clients low-latency defaults that the kafka: block and KAFKA_CONFIG_* override', () => {
    const globalConfig = (client: unknown) => (client as { client: { globalConfig: Record<string, unknown> } }).client.globalConfig;
    const admin = {} as KafkaAdmin;
    const defaults = kafkaConfigFromEnv({ KAFKA_BROKERS: 'b:9092' });
    const consumer = new KafkaConsumerAdapter(rdkafkaRoleConfig(defaults, 'consumer'), { groupId: 'g', isolation: 'read_committed' }, admin);
    expect(globalConfig(consumer)).toMatchObject({ 'fetch.min.bytes': 1, 'fetch.wait.max.ms': 100 });
    expect(globalConfig(new KafkaProducerAdapter(rdkafkaRoleConfig(defaults, 'producer'), {}))).toMatchObject({ 'linger.ms': 1 });
    const tuned = kafkaConfigFromEnv({ KAFKA_BROKERS: 'b:9092', KAFKA_CONFIG_FETCH_WAIT_MAX_MS: '20' }, { producer: { 'linger.ms': 10 } });
    expect(globalConfig(new KafkaConsumerAdapter(rdkafkaRoleConfig(tuned, 'consumer'), { groupId: 'g', isolation: 'read_committed' }, admin))).toMatchObject({
      'fetch.wait.max.ms': '20',
    });
    expect(globalConfig(new KafkaProducerAdapter(rdkafkaRoleConfig(tuned, 'producer'), {}))).toMatchObject({ 'linger.ms': 10 });
  });
});
