/**
 * Topic administration over librdkafka's AdminClient, with the embedded log's
 * answers: creating an existing topic fails with TOPIC_EXISTS (after creating
 * the others of the request), deleting a missing topic with TOPIC_MISSING.
 *
 * Topic configs: this client binding exposes no DescribeConfigs, so
 * `listTopics` asks the cluster itself (describe-configs.ts) for the configs
 * the pipeline manages; when that is not possible (SASL other than PLAIN) it
 * reports those the topic was created with by this process, `{}` for others.
 */

import type { IAdminClient, ListOffsetsResult } from '@confluentinc/kafka-javascript';
import rdkafka from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Admin, GroupDescription, OffsetSpec, TopicConfig, TopicDescription, TopicPartition, TopicPartitionOffset } from '../types.js';
import { describeGroup, groupOffsets, setGroupOffsets } from './admin-groups.js';
import type { KafkaConnectionConfig } from './config.js';
import { describeTopicConfigs } from './describe-configs.js';
import { call, isLibrdKafkaError, RD_ERRORS, toAuraError } from './errors.js';

const TIMEOUT_MS = 15_000;
/** The topic configs `aura topics plan` compares. */
const MANAGED_CONFIGS = ['cleanup.policy', 'retention.ms'];
/**
 * ListOffsets answers that mean "your metadata is stale". librdkafka's admin client refreshes
 * its metadata itself only after NOT_LEADER / LEADER_NOT_AVAILABLE: after a broker restart it
 * keeps sending the old leader epoch and gets FENCED_LEADER_EPOCH until its periodic refresh
 * (5 min) — restores and lag would fail all that time. A fresh client has fresh metadata.
 */
const STALE_METADATA = new Set<number>([RD_ERRORS.ERR_FENCED_LEADER_EPOCH, RD_ERRORS.ERR_UNKNOWN_LEADER_EPOCH]);
/**
 * ListOffsets answers while a partition's leader is moving or being elected (right after a topic
 * is created, or a broker restarted): asked again shortly after, they usually succeed, as the
 * Java admin client's retries make them do.
 */
const LEADER_MOVING = new Set<number>([...STALE_METADATA, RD_ERRORS.ERR_NOT_LEADER_FOR_PARTITION, RD_ERRORS.ERR_LEADER_NOT_AVAILABLE]);
const LEADER_RETRY_MS = 5_000;

export class KafkaAdmin implements Admin {
  private client: IAdminClient | undefined;
  /** Clients replaced because of stale metadata, disconnected once their calls are over. */
  private readonly retired = new Set<IAdminClient>();
  private readonly knownConfigs = new Map<string, Record<string, string>>();

  constructor(
    private readonly conf: Record<string, string | number | boolean>,
    /** Where DescribeConfigs requests go; without it configs are only those remembered. */
    private readonly connection?: KafkaConnectionConfig,
  ) {}

  /** The underlying client, created on first use (it connects by itself). */
  raw(): IAdminClient {
    this.client ??= rdkafka.AdminClient.create(this.conf as never);
    return this.client;
  }

  async listTopics(): Promise<TopicDescription[]> {
    const names = (await call<string[]>('listTopics', (cb) => this.raw().listTopics({ timeout: TIMEOUT_MS }, cb))).filter((n) => !n.startsWith('__'));
    if (names.length === 0) return [];
    const described = await call<rdkafka.TopicDescription[]>('describeTopics', (cb) => this.raw().describeTopics(names, { timeout: TIMEOUT_MS }, cb));
    const live = this.connection ? await describeTopicConfigs(this.connection, names, MANAGED_CONFIGS) : undefined;
    return described
      .filter((d) => !d.error && !d.isInternal)
      .map((d) => ({
        name: d.name,
        partitions: d.partitions.length,
        replication: d.partitions[0]?.replicas.length ?? 0,
        config: { ...(live?.get(d.name) ?? this.knownConfigs.get(d.name) ?? {}) },
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async createTopics(topics: TopicConfig[]): Promise<void> {
    const results = await Promise.allSettled(
      topics.map((t) =>
        call(`createTopic ${t.name}`, (cb) =>
          this.raw().createTopic({ topic: t.name, num_partitions: t.partitions, replication_factor: t.replication, config: t.config as never }, TIMEOUT_MS, cb),
        ).then(() => this.knownConfigs.set(t.name, { ...t.config })),
      ),
    );
    const existing: string[] = [];
    const created: string[] = [];
    results.forEach((r, i) => {
      const name = topics[i]!.name;
      if (r.status === 'fulfilled') created.push(name);
      else if (rdCode(r.reason) === RD_ERRORS.ERR_TOPIC_ALREADY_EXISTS) existing.push(name);
      else throw r.reason;
    });
    await this.waitUntil(created, (d) => d !== undefined);
    if (existing.length > 0) {
      throw new AuraError(
        ErrorCodes.TOPIC_EXISTS,
        `topic${existing.length > 1 ? 's' : ''} already exist${existing.length > 1 ? '' : 's'}: ${existing.join(', ')}`,
        {
          details: { topics: existing, created },
        },
      );
    }
  }

  async createPartitions(topic: string, count: number): Promise<void> {
    await call(`createPartitions ${topic}`, (cb) => this.raw().createPartitions(topic, count, TIMEOUT_MS, cb)).catch((err) => {
      throw rdCode(err) === RD_ERRORS.ERR_UNKNOWN_TOPIC_OR_PART
        ? new AuraError(ErrorCodes.TOPIC_MISSING, `topic does not exist: ${topic}`, { cause: err })
        : err;
    });
    await this.waitUntil([topic], (d) => (d?.partitions.length ?? 0) >= count);
  }

  async deleteTopics(names: string[]): Promise<void> {
    const results = await Promise.allSettled(names.map((n) => call(`deleteTopic ${n}`, (cb) => this.raw().deleteTopic(n, TIMEOUT_MS, cb))));
    const missing: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') this.knownConfigs.delete(names[i]!);
      else if (rdCode(r.reason) === RD_ERRORS.ERR_UNKNOWN_TOPIC_OR_PART) missing.push(names[i]!);
      else throw r.reason;
    });
    await this.waitUntil(
      names.filter((n) => !missing.includes(n)),
      (d) => d === undefined,
    );
    if (missing.length > 0) throw new AuraError(ErrorCodes.TOPIC_MISSING, `topics do not exist: ${missing.join(', ')}`, { details: { topics: missing } });
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return describeGroup(this.raw(), groupId);
  }

  groupOffsets(groupId: string, partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return groupOffsets(this.raw(), groupId, partitions);
  }

  /**
   * Commits, then reads the offsets back: the commit's callback does not report partition-level
   * refusals (a group with members answers UNKNOWN_MEMBER_ID per partition), the offsets do.
   */
  async setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    await setGroupOffsets(this.conf, groupId, offsets);
    const now = await this.groupOffsets(groupId, offsets);
    const wrong = offsets.filter((o, i) => now[i]!.offset !== o.offset);
    if (wrong.length === 0) return;
    const { members } = await this.describeGroup(groupId);
    if (members.length > 0) {
      throw new AuraError(
        ErrorCodes.GROUP_ACTIVE,
        `group ${groupId} has ${members.length} member(s): its offsets can only be changed while nobody is in the group`,
      );
    }
    throw new AuraError(
      ErrorCodes.TRANSPORT_FAILED,
      `group ${groupId}: the offsets of ${wrong.map((o) => `${o.topic}[${o.partition}]`).join(', ')} were not committed`,
    );
  }

  async offsetsFor(partitions: TopicPartition[], spec: OffsetSpec): Promise<TopicPartitionOffset[]> {
    if (typeof spec === 'string') return this.listOffsets(partitions, spec, 'read_uncommitted');
    const found = await this.listOffsets(partitions, spec, 'read_uncommitted');
    // No record at or after the time: Kafka answers -1; the reader's position is then the end.
    const missing = found.filter((o) => o.offset < 0);
    if (missing.length === 0) return found;
    const ends = new Map((await this.listOffsets(missing, 'latest', 'read_uncommitted')).map((o) => [`${o.topic}\0${o.partition}`, o.offset]));
    return found.map((o) => (o.offset < 0 ? { ...o, offset: ends.get(`${o.topic}\0${o.partition}`)! } : o));
  }

  /**
   * ListOffsets for many partitions in one request. `latest` under read_committed
   * is the last stable offset (the broker answers with the LSO for that isolation level);
   * a timestamp gives the first offset at or after it (-1 when there is none).
   */
  async listOffsets(partitions: TopicPartition[], spec: OffsetSpec, isolation: 'read_committed' | 'read_uncommitted'): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    const deadline = Date.now() + LEADER_RETRY_MS;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      try {
        return await this.listOffsetsOnce(partitions, spec, isolation);
      } catch (err) {
        const code = rdCode(err);
        if (code === undefined || !LEADER_MOVING.has(code) || Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async listOffsetsOnce(
    partitions: TopicPartition[],
    spec: OffsetSpec,
    isolation: 'read_committed' | 'read_uncommitted',
  ): Promise<TopicPartitionOffset[]> {
    const offset = spec === 'earliest' ? rdkafka.OffsetSpec.EARLIEST : spec === 'latest' ? rdkafka.OffsetSpec.LATEST : new rdkafka.OffsetSpec(spec.timestamp);
    const isolationLevel = isolation === 'read_committed' ? rdkafka.IsolationLevel.READ_COMMITTED : rdkafka.IsolationLevel.READ_UNCOMMITTED;
    const res = await call<ListOffsetsResult[]>('listOffsets', (cb) =>
      this.raw().listOffsets(
        partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset })),
        { timeout: TIMEOUT_MS, isolationLevel },
        cb,
      ),
    ).catch((err: unknown) => {
      this.renewIfStale(err);
      throw err;
    });
    const byKey = new Map(res.map((r) => [`${r.topic}\0${r.partition}`, r]));
    return partitions.map((p) => {
      const r = byKey.get(`${p.topic}\0${p.partition}`);
      if (!r || r.error) {
        this.renewIfStale(r?.error);
        throw toAuraError(r?.error ?? new Error('no answer'), `listOffsets ${p.topic}[${p.partition}]`);
      }
      return { topic: p.topic, partition: p.partition, offset: Number(r.offset) };
    });
  }

  /** Replaces the client after an answer that says its metadata is stale (see STALE_METADATA). */
  private renewIfStale(err: unknown): void {
    const code = rdCode(err);
    if (code === undefined || !STALE_METADATA.has(code) || !this.client) return;
    const old = this.client;
    this.client = undefined;
    this.retired.add(old);
    setTimeout(() => {
      if (this.retired.delete(old)) old.disconnect();
    }, TIMEOUT_MS + 1000).unref();
  }

  /**
   * The controller acknowledges before the broker's metadata cache has caught up;
   * wait (bounded) until every topic looks as asked, so a produce or a listTopics
   * right after an admin call sees the change — as with the embedded log.
   */
  private async waitUntil(names: string[], ok: (d: rdkafka.TopicDescription | undefined) => boolean): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    let pending = names;
    while (pending.length > 0) {
      const described = await call<rdkafka.TopicDescription[]>('describeTopics', (cb) => this.raw().describeTopics(pending, { timeout: TIMEOUT_MS }, cb));
      const byName = new Map(described.filter((d) => !d.error).map((d) => [d.name, d]));
      pending = pending.filter((n) => !ok(byName.get(n)));
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `topic metadata did not settle: ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.client?.disconnect();
    this.client = undefined;
    for (const old of this.retired) old.disconnect();
    this.retired.clear();
  }
}

/** The librdkafka code behind an error, whether wrapped in an AuraError or not. */
function rdCode(err: unknown): number | undefined {
  const inner = err instanceof AuraError ? err.cause : err;
  return isLibrdKafkaError(inner) ? inner.code : undefined;
}
