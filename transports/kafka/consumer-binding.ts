/**
 * The librdkafka consumer as the adapter (consumer.ts) builds it: its settings (session and
 * heartbeat, low-latency fetches, no auto-commit, cooperative-sticky, static membership), poll
 * semantics ("timeout for the first message only"), and the binding's calls its typings omit.
 */
import type { Assignment, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import rdkafka from '@confluentinc/kafka-javascript';
import type { ConsumerOptions, TopicPartition, TopicPartitionOffset } from '../types.js';

/**
 * The binding's native consumer (KafkaConsumer#_client). `consume(n)` only forwards to its
 * `consume(timeout, n, timeoutOnlyForFirst, cb)` through a loop that emits a `data` event per
 * message (~0.15 µs a record, docs/benchmarks.md "Kafka consumer path and input decode"); nothing
 * here listens to those, so poll calls it directly when it is there (binding 1.x).
 */
export interface NativeConsumer {
  consume(timeoutMs: number, max: number, timeoutOnlyForFirst: boolean, cb: (err: LibrdKafkaError | null, messages: Message[]) => void): void;
}

/** Methods the binding has but its typings omit. */
export interface Untyped {
  setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void;
  assignmentLost(): boolean;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  incrementalAssign(tps: TopicPartition[]): void;
  incrementalUnassign(tps: TopicPartition[]): void;
  commitCb(offsets: TopicPartitionOffset[], cb: (err: LibrdKafkaError | null) => void): void;
}

/** KAFKA_SESSION_TIMEOUT_MS, else 10 s — 30 s for static members, so that a restart fits in it. */
export function sessionTimeoutMs(staticMember: boolean, env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.KAFKA_SESSION_TIMEOUT_MS) || (staticMember ? 30_000 : 10_000);
}

/** The binding's consumer with the adapter's settings, and its native consume call when the binding has it. */
export function bindingConsumer(
  base: Record<string, string | number | boolean>,
  options: ConsumerOptions,
  onRebalance: (err: LibrdKafkaError, assignment: Assignment[]) => void,
): { client: rdkafka.KafkaConsumer; native: NativeConsumer | undefined } {
  // A killed instance's partitions move after the session timeout: 10 s rather than librdkafka's
  // 45 s, 30 s for static members (KAFKA_SESSION_TIMEOUT_MS, or `extra`, overrides it).
  const session = sessionTimeoutMs(Boolean(options.groupInstanceId && options.groupId));
  const conf: Record<string, unknown> = {
    'session.timeout.ms': session,
    'heartbeat.interval.ms': Math.max(500, Math.min(3000, Math.floor(session / 3))),
    // Latency (docs/benchmarks.md, "Kafka hop latency"): a fetch returns as soon as a byte is
    // there (fetch.min.bytes 1), and a read_committed fetch as soon as a transaction commits —
    // the broker completes a waiting fetch when the last stable offset moves, so the wait below
    // only bounds how long a fetch waits when nothing comes (measured: visible ~3 ms after
    // commitTransaction whether it is 10 or 500 ms; lower only costs more idle requests).
    // Overridable in kafka.consumer / KAFKA_CONFIG_*.
    'fetch.min.bytes': 1,
    'fetch.wait.max.ms': 100,
    ...base,
    // librdkafka wants a group.id even for assign-only consumers; such a consumer never joins nor commits.
    'group.id': options.groupId ?? `aura-assign-${process.pid}-${Math.random().toString(36).slice(2)}`,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'enable.partition.eof': false,
    'isolation.level': options.isolation,
    'partition.assignment.strategy': 'cooperative-sticky',
    rebalance_cb: onRebalance,
  };
  if (options.clientId) conf['client.id'] = options.clientId;
  if (options.groupInstanceId && options.groupId) conf['group.instance.id'] = options.groupInstanceId;
  // auto.offset.reset is a topic property: the binding's (even empty) topic config would replace a global one.
  const client = new rdkafka.KafkaConsumer(conf as never, { 'auto.offset.reset': options.autoOffsetReset ?? 'latest' });
  // Undeclared in the typings: wait `timeout` for the first message only, then take what is buffered (poll semantics).
  (client as unknown as Untyped).setDefaultIsTimeoutOnlyForFirstMessage(true);
  const native = (client as unknown as { _client?: Partial<NativeConsumer> })._client;
  return { client, native: typeof native?.consume === 'function' ? (native as NativeConsumer) : undefined };
}
