/**
 * Topic and group administration of the embedded log, with Kafka's answers:
 * creating an existing topic fails (TOPIC_EXISTS, after creating the others
 * of the request), partitions only grow, deleting a missing topic fails, a
 * group's offsets can be overwritten only while it has no members. Groups
 * subscribed to a changed topic rebalance, as on a metadata refresh.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Admin, GroupDescription, OffsetSpec, TopicConfig, TopicDescription, TopicPartition, TopicPartitionOffset } from '../types.js';
import type { EmbeddedCore } from './core.js';

export class EmbeddedAdmin implements Admin {
  constructor(private readonly core: EmbeddedCore) {}

  async listTopics(): Promise<TopicDescription[]> {
    this.core.assertOpen();
    return this.core.catalog.list().map((t) => this.core.catalog.describe(t));
  }

  async createTopics(topics: TopicConfig[]): Promise<void> {
    this.core.assertOpen();
    const created: string[] = [];
    const existing: string[] = [];
    try {
      for (const cfg of topics) {
        if (this.core.catalog.get(cfg.name)) existing.push(cfg.name);
        else created.push(this.core.catalog.create(cfg).name);
      }
    } finally {
      if (created.length > 0) this.core.groups.topicsChanged(created);
    }
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
    this.core.assertOpen();
    this.core.catalog.addPartitions(topic, count);
    this.core.groups.topicsChanged([topic]);
  }

  async deleteTopics(names: string[]): Promise<void> {
    this.core.assertOpen();
    for (const name of names) this.core.catalog.require(name);
    for (const name of names) this.core.log.dropped(this.core.catalog.delete(name).parts);
    if (names.length > 0) this.core.groups.topicsChanged(names);
  }

  /** Members are this process's consumers: another process cannot open the log while this one holds it. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.core.assertOpen();
    const { members } = this.core.groups.describe(groupId);
    return {
      groupId,
      state: members.length > 0 ? 'stable' : 'empty',
      members: members.map((m) => ({ memberId: m.id, clientId: m.id, host: `pid ${process.pid}` })),
    };
  }

  async groupOffsets(groupId: string, partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.core.assertOpen();
    return this.core.offsets.committed(groupId, partitions);
  }

  async setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    this.core.assertOpen();
    const { members } = this.core.groups.describe(groupId);
    if (members.length > 0) {
      throw new AuraError(
        ErrorCodes.GROUP_ACTIVE,
        `group ${groupId} has ${members.length} member(s): its offsets can only be changed while nobody is in the group`,
      );
    }
    for (const o of offsets) {
      const p = this.core.catalog.require(o.topic).parts[o.partition];
      if (!p)
        throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic ${o.topic} has no partition ${o.partition}`, {
          details: { topic: o.topic, partition: o.partition },
        });
      if (!Number.isSafeInteger(o.offset) || o.offset < 0)
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `invalid offset ${o.offset} for ${o.topic}:${o.partition}`);
    }
    this.core.offsets.commit(groupId, offsets);
  }

  async offsetsFor(partitions: TopicPartition[], spec: OffsetSpec): Promise<TopicPartitionOffset[]> {
    this.core.assertOpen();
    return partitions.map((tp) => {
      const p = this.core.catalog.require(tp.topic).parts[tp.partition];
      if (!p) throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic ${tp.topic} has no partition ${tp.partition}`, { details: { ...tp } });
      const offset = spec === 'earliest' ? this.core.log.beginningOffset(p) : spec === 'latest' ? p.next : this.core.log.offsetForTime(p, spec.timestamp);
      return { topic: tp.topic, partition: tp.partition, offset };
    });
  }
}
