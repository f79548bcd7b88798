/**
 * librdkafka properties given by the user, passed to the clients as they are:
 * from the environment (`KAFKA_CONFIG_<property>`) and from the `kafka:` block
 * of pipeline.yaml (`common`, `consumer`, `producer`). Names are checked
 * against the properties of the librdkafka we ship, with a "did you mean";
 * the few properties the engine's guarantees rest on are refused.
 *
 * Environment names: `KAFKA_CONFIG_` + the property with `.` written `_`, `_` written `__`
 * and `-` written `___` (Confluent's image convention), case-insensitive:
 *   KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLE=true   → socket.keepalive.enable=true
 *   KAFKA_CONFIG_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=none → ssl.endpoint.identification.algorithm=none
 *   KAFKA_CONFIG_LOG__LEVEL=7                    → log_level=7
 */
import { closest } from '../../common/suggest.js';
import { RDKAFKA_PROPERTIES } from './rdkafka-properties.js';

export type KafkaSettings = Record<string, string | number | boolean>;
export type KafkaSettingsSection = 'common' | 'consumer' | 'producer';

export interface KafkaClientSettings {
  common?: KafkaSettings;
  consumer?: KafkaSettings;
  producer?: KafkaSettings;
}

export const KAFKA_CONFIG_PREFIX = 'KAFKA_CONFIG_';

/** Set by aura-streams itself; a user value would break what the engine relies on. Value: what to use instead. */
export const RESERVED_PROPERTIES: Readonly<Record<string, string>> = {
  'bootstrap.servers': 'set KAFKA_BROKERS',
  'metadata.broker.list': 'set KAFKA_BROKERS',
  'client.id': 'set KAFKA_CLIENT_ID (each client adds its role to it)',
  'group.id': "the consumer group is the pipeline's `app`",
  'transactional.id': 'it is `<app>-<AURA_INSTANCE_ID>` under exactly_once',
  'enable.idempotence': 'the producer is always idempotent',
  'enable.auto.commit': 'offsets are committed by the engine (with the transaction under exactly_once)',
  'enable.auto.offset.store': 'offsets are stored by the engine',
  'enable.partition.eof': 'the engine does not use partition EOF events',
  'isolation.level': 'it follows defaults.processing (read_committed under exactly_once)',
  'partition.assignment.strategy': 'cooperative-sticky, with co-partitioned topics kept together by the consumer (transports/kafka/copartition.ts)',
  'group.instance.id': 'it is AURA_INSTANCE_ID (static membership)',
  partitioner: 'the engine places records itself with murmur2, as Kafka Streams does',
  'auto.offset.reset': 'the engine starts new groups at the earliest offset',
  dr_cb: 'used by the producer adapter',
  dr_msg_cb: 'used by the producer adapter',
  rebalance_cb: 'used by the consumer adapter',
  offset_commit_cb: 'used by the consumer adapter',
};

/** `KAFKA_CONFIG_SOCKET_KEEPALIVE_ENABLE` → `socket.keepalive.enable`. */
export function propertyFromEnvName(envName: string): string {
  return envName
    .slice(KAFKA_CONFIG_PREFIX.length)
    .toLowerCase()
    .replace(/___/g, '\u0002')
    .replace(/__/g, '\u0001')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '_')
    .replace(/\u0002/g, '-');
}

/** The `KAFKA_CONFIG_*` variables as librdkafka properties (values stay strings: librdkafka parses them). */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv): KafkaSettings {
  const out: KafkaSettings = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(KAFKA_CONFIG_PREFIX) && name.length > KAFKA_CONFIG_PREFIX.length && value !== undefined) out[propertyFromEnvName(name)] = value;
  }
  return out;
}

/** Why `name` cannot be set in `section`, or undefined when it can. */
export function kafkaPropertyProblem(name: string, section: KafkaSettingsSection): string | undefined {
  const reserved = RESERVED_PROPERTIES[name];
  if (reserved) return `"${name}" is set by aura-streams and cannot be changed: ${reserved}`;
  const role = RDKAFKA_PROPERTIES[name];
  if (role === undefined) {
    const match = closest(name, Object.keys(RDKAFKA_PROPERTIES)) ?? closestByWords(name);
    return `"${name}" is not a librdkafka property${match ? ` (did you mean "${match}"?)` : ''}; the list is librdkafka's CONFIGURATION.md`;
  }
  if (section === 'consumer' && role === 'P') return `"${name}" is a producer property: put it under kafka.producer`;
  if (section === 'producer' && role === 'C') return `"${name}" is a consumer property: put it under kafka.consumer`;
  return undefined;
}

/** A misspelt long name is often more than 3 edits away: compare on its last dotted words too. */
function closestByWords(name: string): string | undefined {
  const tail = name.split('.').slice(-2).join('.');
  return [...Object.keys(RDKAFKA_PROPERTIES)].find((p) => p.endsWith(tail) && tail.length > 4);
}

/** Every problem of a settings block, as `<section>.<property>: message`. */
export function kafkaSettingsProblems(settings: KafkaClientSettings, where = 'kafka'): string[] {
  const problems: string[] = [];
  for (const section of ['common', 'consumer', 'producer'] as const) {
    for (const name of Object.keys(settings[section] ?? {})) {
      const problem = kafkaPropertyProblem(name, section);
      if (problem) problems.push(`${where}.${section}.${name}: ${problem}`);
    }
  }
  return problems;
}
