/**
 * A consumer of the embedded log: group-managed (`subscribe`) or manually
 * assigned (`assign`, for restores). Rebalances run inside `poll`, as with a
 * Kafka client: revoked partitions go through onRevoked (awaited), then new
 * ones through onAssigned (awaited), before any record is returned.
 * Callbacks are incremental: onRevoked gets only the partitions taken away,
 * onAssigned only the ones added; `assignment()` is the whole set.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Consumer, ConsumerOptions, LogRecord, RebalanceListener, TopicPartition, TopicPartitionOffset } from '../types.js';
import { closedError, type EmbeddedClient, type EmbeddedCore } from './core.js';
import type { GroupMember, GroupMetadata } from './group-coordinator.js';
import { clientKey } from './notifier.js';
import { PartitionCursors } from './partition-cursors.js';
import type { PartitionLog } from './topic-catalog.js';

export class EmbeddedConsumer implements Consumer, EmbeddedClient {
  readonly id: string;
  private readonly cursors: PartitionCursors;
  private member: GroupMember | undefined;
  private listener: RebalanceListener | undefined;
  private manual = false;
  private closed = false;
  private polling = false;

  constructor(
    private readonly core: EmbeddedCore,
    private readonly options: ConsumerOptions,
  ) {
    this.id = core.nextClientId(options.clientId ?? 'consumer');
    this.cursors = new PartitionCursors(this.id, options.isolation === 'read_committed', core.catalog, core.log);
    core.track(this);
  }

  async subscribe(topics: string[], listener: RebalanceListener): Promise<void> {
    this.assertUsable();
    const groupId = this.requireGroup('subscribe');
    if (this.manual) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `consumer ${this.id}: subscribe after assign (use one or the other)`);
    this.listener = listener;
    this.member = this.core.groups.join(groupId, this.id, topics);
  }

  async assign(partitions: TopicPartitionOffset[]): Promise<void> {
    this.assertUsable();
    if (this.member) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `consumer ${this.id}: assign while subscribed to a group`);
    this.manual = true;
    this.cursors.clear();
    // A negative offset means "no explicit position": committed offset, else autoOffsetReset.
    for (const tp of partitions) this.cursors.add(tp, tp.offset >= 0 ? tp.offset : this.initialPosition(tp));
  }

  async unassign(): Promise<void> {
    this.assertUsable();
    if (this.member) await this.leaveGroup();
    this.cursors.clear();
    this.manual = false;
  }

  async poll(max: number, timeoutMs: number): Promise<LogRecord[]> {
    this.assertUsable();
    if (this.polling) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `consumer ${this.id}: poll called while another poll is running`);
    this.polling = true;
    try {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (this.member?.dirty) await this.syncGroup();
        if (this.closed) return [];
        const records = this.cursors.fetch(max);
        const left = deadline - performance.now();
        if (records.length > 0 || left <= 0) return records;
        // Registered synchronously after the fetch: an append in between cannot be missed.
        await this.core.notifier.wait(this.cursors.waitKeys(), left);
        if (this.closed) return [];
      }
    } finally {
      this.polling = false;
    }
  }

  seek(tp: TopicPartitionOffset): void {
    this.assertUsable();
    const cursor = this.cursors.get(tp);
    if (!cursor) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `consumer ${this.id}: seek on unassigned partition ${tp.topic}:${tp.partition}`);
    if (!Number.isInteger(tp.offset) || tp.offset < 0)
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `consumer ${this.id}: invalid seek offset ${tp.offset}`);
    cursor.position = tp.offset;
    this.core.notifier.signal(clientKey(this.id));
  }

  position(tp: TopicPartition): number | undefined {
    return this.cursors.get(tp)?.position;
  }

  pause(partitions: TopicPartition[]): void {
    this.cursors.setPaused(partitions, true);
  }

  resume(partitions: TopicPartition[]): void {
    this.cursors.setPaused(partitions, false);
    this.core.notifier.signal(clientKey(this.id));
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    this.assertUsable();
    const groupId = this.requireGroup('commit');
    for (const o of offsets) this.core.catalog.require(o.topic);
    this.core.offsets.commit(groupId, offsets);
  }

  async committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertUsable();
    return this.core.offsets.committed(this.requireGroup('committed'), partitions);
  }

  async endOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertUsable();
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.cursors.bound(this.partitionLog(tp)) }));
  }

  async beginningOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertUsable();
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.core.log.beginningOffset(this.partitionLog(tp)) }));
  }

  groupMetadata(): GroupMetadata {
    if (this.member) return this.core.groups.metadata(this.member);
    return { groupId: this.options.groupId ?? '', generation: -1, memberId: '' };
  }

  assignment(): TopicPartition[] {
    return this.cursors.list();
  }

  /** Leaves the group (the partitions go through onRevoked first, as Kafka's close does); the others rebalance. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.core.notifier.signal(clientKey(this.id)); // a pending poll returns []
    try {
      if (this.member) await this.leaveGroup();
    } finally {
      this.cursors.clear();
      this.core.untrack(this);
    }
  }

  detach(): void {
    this.closed = true;
    if (this.member) this.core.groups.leave(this.member);
    this.member = undefined;
    this.cursors.clear();
    this.core.notifier.signal(clientKey(this.id));
  }

  /** Catches up with the group, round after round while it keeps changing. */
  private async syncGroup(): Promise<void> {
    const member = this.member!;
    while (member.dirty && this.member === member) {
      member.dirty = false;
      try {
        await this.syncStep(member);
      } catch (err) {
        member.dirty = true; // a callback failed: the next poll carries on from here
        throw err;
      }
    }
  }

  /** One round: revoke what moved away, then take what became ours and is free. */
  private async syncStep(member: GroupMember): Promise<void> {
    const groups = this.core.groups;
    const generation = groups.generation(member.groupId);
    const revoked = groups.revocations(member);
    if (revoked.length > 0) {
      try {
        // Still at the old generation here: commits made by the callback are not fenced.
        await this.listener!.onRevoked(revoked);
      } finally {
        this.cursors.remove(revoked);
        groups.release(member, revoked);
      }
    }
    member.generation = generation;
    const added = groups.claimFree(member);
    if (added.length === 0) return;
    for (const tp of added) this.cursors.add(tp, undefined);
    try {
      await this.listener!.onAssigned(added);
    } finally {
      // Positions after the callback, which may have seeked; the previous holder committed in its onRevoked.
      for (const tp of added) {
        const cursor = this.cursors.get(tp);
        if (cursor && cursor.position === undefined) cursor.position = this.initialPosition(tp);
      }
    }
  }

  private async leaveGroup(): Promise<void> {
    const member = this.member!;
    const owned = [...member.owned.values()];
    try {
      if (owned.length > 0) await this.listener!.onRevoked(owned);
    } finally {
      this.member = undefined;
      this.core.groups.leave(member);
      this.cursors.remove(owned);
    }
  }

  /** The committed offset of the group, else per autoOffsetReset (Kafka's default: latest). */
  private initialPosition(tp: TopicPartition): number {
    const p = this.core.catalog.partition(tp.topic, tp.partition);
    if (!p) return 0;
    if (this.options.groupId) {
      const committed = this.core.offsets.get(this.options.groupId, tp);
      if (committed !== undefined && committed >= 0 && committed <= p.next) return committed;
    }
    return (this.options.autoOffsetReset ?? 'latest') === 'earliest' ? this.core.log.beginningOffset(p) : this.cursors.bound(p);
  }

  private partitionLog(tp: TopicPartition): PartitionLog {
    const p = this.core.catalog.partition(tp.topic, tp.partition);
    if (p) return p;
    this.core.catalog.require(tp.topic);
    throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic ${tp.topic} has no partition ${tp.partition}`, { details: { ...tp } });
  }

  private requireGroup(action: string): string {
    if (!this.options.groupId) throw new AuraError(ErrorCodes.CONFIG_INVALID, `consumer ${this.id}: ${action} needs a groupId`);
    return this.options.groupId;
  }

  private assertUsable(): void {
    this.core.assertOpen();
    if (this.closed) throw closedError(`consumer ${this.id}`);
  }
}
