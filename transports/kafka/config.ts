/**
 * Connection settings of the Kafka transport, read from the environment, and
 * their translation to librdkafka properties. Secrets never leave this file in
 * printable form: `describeKafkaConfig` is what start-up logs may show.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';

export interface KafkaConnectionConfig {
  /** Bootstrap servers, `host:port[,host:port]`. */
  brokers: string;
  clientId: string;
  /** `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl` (librdkafka spelling, case-insensitive). */
  securityProtocol?: string;
  /** `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`. */
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  /** Extra librdkafka properties applied to every client (tests, tuning). */
  extra?: Record<string, string | number | boolean>;
}

const PROTOCOLS = new Set(['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl']);

export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConnectionConfig {
  const brokers = env.KAFKA_BROKERS?.trim();
  if (!brokers) {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, 'KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:19092; `scripts/kafka.sh start` runs a local broker)');
  }
  return {
    brokers,
    clientId: env.KAFKA_CLIENT_ID?.trim() || 'aura-streams',
    securityProtocol: env.KAFKA_SECURITY_PROTOCOL?.trim() || undefined,
    saslMechanism: env.KAFKA_SASL_MECHANISM?.trim() || undefined,
    saslUsername: env.KAFKA_SASL_USERNAME || undefined,
    saslPassword: env.KAFKA_SASL_PASSWORD || undefined,
  };
}

/** librdkafka global properties shared by producers, consumers and admin clients. */
export function rdkafkaBaseConfig(config: KafkaConnectionConfig, clientId?: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {
    'bootstrap.servers': config.brokers,
    'client.id': clientId ?? config.clientId,
    // librdkafka logs to stderr by default; errors reach us through callbacks instead.
    log_level: 3,
  };
  const protocol = config.securityProtocol?.toLowerCase();
  if (protocol) {
    if (!PROTOCOLS.has(protocol)) {
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `KAFKA_SECURITY_PROTOCOL must be one of ${[...PROTOCOLS].join(', ')}, got "${config.securityProtocol}"`);
    }
    out['security.protocol'] = protocol;
  }
  if (config.saslMechanism) out['sasl.mechanisms'] = config.saslMechanism;
  if (config.saslUsername) out['sasl.username'] = config.saslUsername;
  if (config.saslPassword) out['sasl.password'] = config.saslPassword;
  if (protocol?.startsWith('sasl') && !(config.saslUsername && config.saslPassword)) {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `KAFKA_SECURITY_PROTOCOL=${protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  }
  return { ...out, ...config.extra };
}

/** One line for start-up logs: the password is never shown, the user name only in part. */
export function describeKafkaConfig(config: KafkaConnectionConfig): string {
  const parts = [`brokers=${config.brokers}`, `clientId=${config.clientId}`, `security=${config.securityProtocol ?? 'plaintext'}`];
  if (config.saslMechanism) parts.push(`sasl=${config.saslMechanism}`);
  if (config.saslUsername) parts.push(`user=${redact(config.saslUsername)}`);
  if (config.saslPassword) parts.push('password=***');
  return parts.join(' ');
}

function redact(value: string): string {
  return value.length <= 2 ? '***' : `${value.slice(0, 2)}***`;
}
