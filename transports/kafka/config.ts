/**
 * Connection settings of the Kafka transport, read from the environment, and
 * their translation to librdkafka properties. Secrets never leave this file in
 * printable form: `describeKafkaConfig` is what start-up logs may show.
 *
 * Order of precedence (later wins): the engine's own defaults, the dedicated
 * variables (KAFKA_SECURITY_PROTOCOL, ...), the pipeline's `kafka:` block, the
 * `KAFKA_CONFIG_*` variables (see client-settings.ts), and last the settings
 * the engine's guarantees rest on, which nobody overrides.
 */
import { createRequire } from 'node:module';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import {
  KAFKA_CONFIG_PREFIX,
  type KafkaClientSettings,
  type KafkaSettings,
  kafkaPropertyProblem,
  kafkaSettingsFromEnv,
  kafkaSettingsProblems,
  propertyFromEnvName,
} from './client-settings.js';

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
  /** KAFKA_SSL_CA_LOCATION: PEM file of the CA that signed the brokers' certificates (default: the system's CAs). */
  sslCaLocation?: string;
  /** Extra librdkafka properties applied to every client (tests, tuning; `kafka.common`, `KAFKA_CONFIG_*`). */
  extra?: KafkaSettings;
  /** librdkafka properties for consumers only (`kafka.consumer`). */
  consumer?: KafkaSettings;
  /** librdkafka properties for producers only (`kafka.producer`). */
  producer?: KafkaSettings;
}

const PROTOCOLS = new Set(['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl']);

/**
 * The connection settings from the environment, with the pipeline's `kafka:` block (if any)
 * merged in. Unknown or reserved property names are a CONFIG_INVALID naming each one.
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env, settings: KafkaClientSettings = {}): KafkaConnectionConfig {
  const brokers = env.KAFKA_BROKERS?.trim();
  if (!brokers) {
    throw new AuraError(
      ErrorCodes.CONFIG_INVALID,
      'KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:19092; `scripts/kafka.sh start` runs a local broker)',
    );
  }
  const fromEnv = kafkaSettingsFromEnv(env);
  const problems = [
    ...kafkaSettingsProblems(settings),
    ...Object.keys(env)
      .filter((name) => name.startsWith(KAFKA_CONFIG_PREFIX) && name.length > KAFKA_CONFIG_PREFIX.length)
      .flatMap((name) => {
        const problem = kafkaPropertyProblem(propertyFromEnvName(name), 'common');
        return problem ? [`${name}: ${problem}`] : [];
      }),
  ];
  if (problems.length > 0) throw new AuraError(ErrorCodes.CONFIG_INVALID, `invalid Kafka client settings:\n  ${problems.join('\n  ')}`);
  const extra = { ...settings.common, ...fromEnv };
  return {
    brokers,
    clientId: env.KAFKA_CLIENT_ID?.trim() || 'aura-streams',
    securityProtocol: env.KAFKA_SECURITY_PROTOCOL?.trim() || undefined,
    saslMechanism: env.KAFKA_SASL_MECHANISM?.trim() || undefined,
    saslUsername: env.KAFKA_SASL_USERNAME || undefined,
    saslPassword: env.KAFKA_SASL_PASSWORD || undefined,
    sslCaLocation: env.KAFKA_SSL_CA_LOCATION?.trim() || undefined,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    ...(settings.consumer && Object.keys(settings.consumer).length > 0 ? { consumer: settings.consumer } : {}),
    ...(settings.producer && Object.keys(settings.producer).length > 0 ? { producer: settings.producer } : {}),
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
  if (config.sslCaLocation) out['ssl.ca.location'] = config.sslCaLocation;
  if (protocol?.startsWith('sasl') && !(config.saslUsername && config.saslPassword)) {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `KAFKA_SECURITY_PROTOCOL=${protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  }
  if (protocol) requireClientFeatures(protocol, config.saslMechanism);
  return { ...out, ...config.extra };
}

/** Base properties plus the role's own (`kafka.consumer` / `kafka.producer`). */
export function rdkafkaRoleConfig(
  config: KafkaConnectionConfig,
  role: 'consumer' | 'producer',
  base = rdkafkaBaseConfig(config),
): Record<string, string | number | boolean> {
  return { ...base, ...config[role] };
}

const MECHANISM_FEATURES: Record<string, string> = {
  PLAIN: 'sasl_plain',
  'SCRAM-SHA-256': 'sasl_scram',
  'SCRAM-SHA-512': 'sasl_scram',
  OAUTHBEARER: 'sasl_oauthbearer',
  GSSAPI: 'sasl_gssapi',
};

/**
 * The client is built from source here; one built without OpenSSL or Cyrus SASL cannot speak
 * SASL_SSL and librdkafka's own error says little. Say so before any connection is tried.
 */
export function requireClientFeatures(protocol: string, mechanism: string | undefined, features: readonly string[] = clientFeatures()): void {
  const needed = [...(protocol.endsWith('ssl') ? ['ssl'] : []), ...(protocol.startsWith('sasl') ? ['sasl'] : [])];
  const feature = mechanism ? MECHANISM_FEATURES[mechanism.toUpperCase()] : undefined;
  if (protocol.startsWith('sasl') && feature) needed.push(feature);
  const missing = needed.filter((f) => !features.includes(f));
  if (missing.length === 0) return;
  throw new AuraError(
    ErrorCodes.CONFIG_INVALID,
    `KAFKA_SECURITY_PROTOCOL=${protocol}${mechanism ? ` with ${mechanism}` : ''} needs librdkafka features ${missing.join(', ')}, which this build of @confluentinc/kafka-javascript lacks ` +
      `(it has: ${features.join(', ') || 'none'}). Reinstall it with the OpenSSL and Cyrus SASL headers present (Debian: libssl-dev libsasl2-dev; see .ci/run).`,
  );
}

function clientFeatures(): string[] {
  const require = createRequire(import.meta.url);
  return (require('@confluentinc/kafka-javascript') as { features?: string[] }).features ?? [];
}

/** One line for start-up logs: the password is never shown, the user name only in part. */
export function describeKafkaConfig(config: KafkaConnectionConfig): string {
  const parts = [`brokers=${config.brokers}`, `clientId=${config.clientId}`, `security=${config.securityProtocol ?? 'plaintext'}`];
  if (config.sslCaLocation) parts.push(`ca=${config.sslCaLocation}`);
  if (config.saslMechanism) parts.push(`sasl=${config.saslMechanism}`);
  if (config.saslUsername) parts.push(`user=${redact(config.saslUsername)}`);
  if (config.saslPassword) parts.push('password=***');
  const custom = Object.keys({ ...config.extra, ...config.consumer, ...config.producer });
  // Names only: a custom property may hold a secret (ssl.key.password, sasl.oauthbearer.client.secret).
  if (custom.length > 0) parts.push(`custom=${custom.join(',')}`);
  return parts.join(' ');
}

function redact(value: string): string {
  return value.length <= 2 ? '***' : `${value.slice(0, 2)}***`;
}
