/**
 * The Kafka transport: thin adapters over librdkafka (@confluentinc/kafka-javascript)
 * with the same semantics as the embedded log. Partitioning is murmur2 computed
 * here, so both transports place every key on the same partition.
 */
import { partitionForKey } from '../murmur2.js';
import type { Admin, Consumer, ConsumerOptions, Producer, ProducerOptions, Transport } from '../types.js';
import { KafkaAdmin } from './admin.js';
import { type KafkaConnectionConfig, rdkafkaBaseConfig, rdkafkaRoleConfig } from './config.js';
import { KafkaConsumerAdapter } from './consumer.js';
import { KafkaProducerAdapter } from './producer.js';
import { Reachability } from './reachability.js';

export { describeKafkaConfig, type KafkaConnectionConfig, kafkaConfigFromEnv } from './config.js';
export { KafkaConsumerAdapter } from './consumer.js';
export { KafkaProducerAdapter } from './producer.js';

export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private readonly base: Record<string, string | number | boolean>;
  private readonly adminClient: KafkaAdmin;
  private readonly clients = new Set<{ close(): Promise<void> }>();
  /** What the clients of this transport know of the cluster's reachability (readiness). */
  private readonly reachability = new Reachability();

  constructor(readonly config: KafkaConnectionConfig) {
    this.base = rdkafkaBaseConfig(config);
    this.adminClient = new KafkaAdmin(this.base, config);
  }

  /** Fails fast (TRANSPORT_FAILED) when no broker answers. */
  async connect(): Promise<void> {
    await this.adminClient.listTopics();
  }

  admin(): Admin {
    return this.adminClient;
  }

  consumer(options: ConsumerOptions): Consumer {
    return this.track(new KafkaConsumerAdapter(rdkafkaRoleConfig(this.config, 'consumer', this.base), options, this.adminClient, this.reachability));
  }

  producer(options: ProducerOptions): Producer {
    return this.track(new KafkaProducerAdapter(rdkafkaRoleConfig(this.config, 'producer', this.base), options, this.reachability));
  }

  partitionFor(key: string, partitions: number): number {
    return partitionForKey(key, partitions);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients].map((c) => c.close()));
    this.clients.clear();
    this.adminClient.close();
  }

  private track<T extends { close(): Promise<void> }>(client: T): T {
    const close = client.close.bind(client);
    client.close = async () => {
      this.clients.delete(client);
      await close();
    };
    this.clients.add(client);
    return client;
  }
}

export function createKafkaTransport(config: KafkaConnectionConfig): KafkaTransport {
  return new KafkaTransport(config);
}
