/**
 * The Transport: what the engine needs of a log. Modelled on Kafka's semantics
 * (consumer groups with assignment/revocation, offsets committed as "next offset
 * to read", transactional producers that commit outputs and input offsets
 * atomically, read_committed consumers, admin for topics) so that the Kafka
 * implementation is a thin adapter and the embedded log a faithful small copy.
 * Nothing here imports the engine.
 */

export type Headers = Record<string, string>;

export interface LogRecord {
  topic: string;
  partition: number;
  /** Offset within the partition. Numbers are exact up to 2^53. */
  offset: number;
  key: string | null;
  value: Buffer | null;
  timestamp: number;
  headers: Headers;
}

export interface OutgoingRecord {
  topic: string;
  /** When absent the transport picks it with Kafka's default partitioner (murmur2 of the key). */
  partition?: number;
  key: string | null;
  value: Buffer | null;
  timestamp?: number;
  headers?: Headers;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Offset = the next offset to read (Kafka convention). */
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface TopicConfig {
  name: string;
  partitions: number;
  replication: number;
  /** Kafka topic configs, e.g. `cleanup.policy`, `retention.ms`. */
  config: Record<string, string>;
}

export interface TopicDescription extends TopicConfig {}

/** Where to look up offsets: the log start, the log end (high watermark), or the first record at or after a time. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  /** The member's address as the coordinator sees it (Kafka), or the process (embedded). */
  host: string;
  /** Static membership: its `group.instance.id` (AURA_INSTANCE_ID). */
  instanceId?: string;
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's group states, lower-cased; `empty` and `dead` mean nobody is in the group. */
  state: 'empty' | 'stable' | 'preparing_rebalance' | 'completing_rebalance' | 'dead' | 'unknown';
  members: GroupMemberDescription[];
}

export interface Admin {
  listTopics(): Promise<TopicDescription[]>;
  createTopics(topics: TopicConfig[]): Promise<void>;
  /** Raise a topic's partition count (Kafka cannot lower it). */
  createPartitions(topic: string, count: number): Promise<void>;
  deleteTopics(names: string[]): Promise<void>;
  /** The group's state and live members (a group nobody ever joined is `dead` with no members). */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** The group's committed offsets ("next offset to read"; -1 where it never committed). */
  groupOffsets(groupId: string, partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** Overwrites the group's committed offsets. Kafka accepts it only while the group has no members. */
  setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
  /** Offsets per partition for `spec` (read_uncommitted); a time after the last record gives the log end. */
  offsetsFor(partitions: TopicPartition[], spec: OffsetSpec): Promise<TopicPartitionOffset[]>;
}

export interface RebalanceListener {
  /** Called before processing resumes with the new assignment; the engine creates tasks and restores stores here. */
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  /** Called before partitions are taken away; the engine commits what it processed and closes tasks. */
  onRevoked(partitions: TopicPartition[]): Promise<void>;
  /** Partitions lost without a chance to commit (session expired, fenced): close tasks dirty. */
  onLost?(partitions: TopicPartition[]): Promise<void>;
}

export interface ConsumerOptions {
  /** The consumer group: the pipeline's `app`. Absent for an assign-only consumer (restores). */
  groupId?: string;
  isolation: 'read_committed' | 'read_uncommitted';
  /** Where to start when the group has no committed offset. */
  autoOffsetReset?: 'earliest' | 'latest';
  clientId?: string;
  /**
   * Static group membership (Kafka's `group.instance.id`, from AURA_INSTANCE_ID): a member that
   * restarts within the session timeout gets its partitions back without a rebalance.
   */
  groupInstanceId?: string;
  /**
   * Sets of subscribed topics whose partition n must be owned by one member (a sub-topology
   * that reads several topics: joins, tables). Transports whose assignor does not keep such
   * topics aligned by itself must keep them together (see transports/kafka/consumer.ts).
   */
  copartitioned?: string[][];
  /**
   * The caller calls `quiesce()` between processing a batch and committing it, so a transport may
   * start reading the next batch when poll hands one out (Kafka: transports/kafka/consumer.ts).
   */
  readAhead?: boolean;
}

export interface Consumer {
  subscribe(topics: string[], listener: RebalanceListener): Promise<void>;
  /** Manual assignment (no group management), e.g. to restore a store from its changelog. */
  assign(partitions: TopicPartitionOffset[]): Promise<void>;
  unassign(): Promise<void>;
  /** Up to `max` records, waiting at most `timeoutMs` for the first. Rebalance callbacks run inside poll (and quiesce). */
  poll(max: number, timeoutMs: number): Promise<LogRecord[]>;
  seek(tp: TopicPartitionOffset): void;
  /** The offset of the next record poll will return for this assigned partition (after seeks and polls). */
  position(tp: TopicPartition): number | undefined;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Commit offsets outside a transaction (at_least_once). */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** High watermark (read_uncommitted) or last stable offset (read_committed), per partition. */
  endOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  beginningOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** Opaque group metadata handed to `Producer.sendOffsetsToTransaction` (generation fencing). */
  groupMetadata(): unknown;
  assignment(): TopicPartition[];
  /**
   * Since when this client sees no broker at all, and why (Kafka: every connection down);
   * undefined while it reaches one. Optional: a transport without brokers never reports one.
   */
  unreachableSince?(): { since: number; error: string } | undefined;
  /**
   * With `readAhead`: the batch handed out has been processed and is about to be committed.
   * Resolves once no rebalance work is pending that a commit could wait for (Kafka: rebalance
   * callbacks delivered while reading ahead run here). Optional: a transport that does not read
   * ahead has nothing to do.
   */
  quiesce?(): Promise<void>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Set for exactly-once: one transactional id per producer; a new producer with the same id fences the old one. */
  transactionalId?: string;
  clientId?: string;
  /** Compression codec on Kafka (`lz4`, `zstd`, ...). */
  compression?: string;
  /**
   * How long a sent record may wait for its acknowledgement before `send` fails (Kafka's
   * delivery.timeout.ms, librdkafka's message.timeout.ms). Default: the transport's.
   */
  deliveryTimeoutMs?: number;
}

export interface Producer {
  /**
   * Optional eager start: connects and, when transactional, initializes transactions — which
   * fences an older producer with the same transactional id and aborts its open transaction.
   * Without it that happens lazily on first use.
   */
  connect?(): Promise<void>;
  /** Sends a batch; resolves once every record is acknowledged. Do not await per record. */
  send(records: OutgoingRecord[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  beginTransaction(): Promise<void>;
  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], groupMetadata: unknown): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: 'embedded' | 'kafka';
  connect(): Promise<void>;
  admin(): Admin;
  consumer(options: ConsumerOptions): Consumer;
  producer(options: ProducerOptions): Producer;
  /** The partition Kafka's default partitioner picks for this key (murmur2, positive, mod partitions). */
  partitionFor(key: string, partitions: number): number;
  close(): Promise<void>;
}
