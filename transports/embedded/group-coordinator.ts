/**
 * Consumer groups of one process. A membership change (join, leave, a
 * subscribed topic created, grown or deleted) starts a new generation with a
 * new target assignment; each member then syncs inside its own poll: it gives
 * up what it no longer targets (after its onRevoked) and takes what it
 * targets and nobody holds (before its onAssigned). A partition is therefore
 * never held by two members: one that moves waits until its previous holder
 * has revoked it, as in Kafka's cooperative protocol.
 *
 * Generation fencing: a member's metadata carries the generation it last
 * synced to. Offsets sent to a transaction with metadata of a member that has
 * left, or of an earlier generation than the member has since synced to, are
 * refused (Kafka's CommitFailedException / fenced generation).
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { TopicPartition } from '../types.js';
import { assignByPartitionNumber } from './assignor.js';
import { clientKey, type Notifier } from './notifier.js';
import type { TopicCatalog } from './topic-catalog.js';

/** What `Consumer.groupMetadata()` returns and `Producer.sendOffsetsToTransaction` expects. */
export interface GroupMetadata {
  groupId: string;
  generation: number;
  memberId: string;
}

export interface GroupMember {
  readonly id: string;
  readonly groupId: string;
  topics: string[];
  /** The generation this member last synced to: what its group metadata carries. */
  generation: number;
  /** Partitions it holds (onAssigned ran or is running), by `topic:partition`. */
  readonly owned: Map<string, TopicPartition>;
  /** Set when the member has syncing to do: a new generation, or a partition due to it became free. */
  dirty: boolean;
}

interface Group {
  readonly id: string;
  generation: number;
  readonly members: Map<string, GroupMember>;
  target: Map<string, Map<string, TopicPartition>>;
  /** Who holds each partition now (may differ from the target until the holder syncs). */
  readonly holder: Map<string, string>;
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly catalog: TopicCatalog,
    private readonly notifier: Notifier,
  ) {}

  /** Joins (or changes the subscription of) a member; starts a new generation. */
  join(groupId: string, memberId: string, topics: readonly string[]): GroupMember {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = { id: groupId, generation: 0, members: new Map(), target: new Map(), holder: new Map() }));
    let member = group.members.get(memberId);
    if (!member) group.members.set(memberId, (member = { id: memberId, groupId, topics: [], generation: 0, owned: new Map(), dirty: true }));
    member.topics = [...new Set(topics)];
    this.rebalance(group);
    return member;
  }

  /** Removes a member (its partitions are released, whether or not it revoked them); the others rebalance. */
  leave(member: GroupMember): void {
    const group = this.groups.get(member.groupId);
    if (!group || group.members.get(member.id) !== member) return;
    this.release(member, [...member.owned.values()]);
    group.members.delete(member.id);
    this.rebalance(group);
  }

  /** Topic metadata changed: groups subscribed to any of these topics rebalance. */
  topicsChanged(topics: readonly string[]): void {
    for (const group of this.groups.values()) {
      const affected = [...group.members.values()].some((m) => m.topics.some((t) => topics.includes(t)));
      if (affected) this.rebalance(group);
    }
  }

  /** The group's live members (this process's consumers: the embedded log belongs to one process). */
  describe(groupId: string): { generation: number; members: Array<{ id: string; topics: string[]; owned: TopicPartition[] }> } {
    const group = this.groups.get(groupId);
    const members = [...(group?.members.values() ?? [])].map((m) => ({ id: m.id, topics: [...m.topics], owned: [...m.owned.values()] }));
    return { generation: group?.generation ?? 0, members };
  }

  generation(groupId: string): number {
    return this.groups.get(groupId)?.generation ?? 0;
  }

  /** Partitions the member holds but no longer targets. */
  revocations(member: GroupMember): TopicPartition[] {
    const target = this.groups.get(member.groupId)?.target.get(member.id);
    return [...member.owned].filter(([k]) => !target?.has(k)).map(([, tp]) => tp);
  }

  /** The member no longer holds these; members waiting for them are woken. */
  release(member: GroupMember, partitions: readonly TopicPartition[]): void {
    const group = this.groups.get(member.groupId);
    if (!group) return;
    const freed = new Set<string>();
    for (const tp of partitions) {
      const k = tpKey(tp);
      member.owned.delete(k);
      if (group.holder.get(k) === member.id) {
        group.holder.delete(k);
        freed.add(k);
      }
    }
    if (freed.size === 0) return;
    for (const other of group.members.values()) {
      if (other === member) continue;
      const target = group.target.get(other.id);
      if (target && [...freed].some((k) => target.has(k))) this.wake(other);
    }
  }

  /** Takes the target partitions nobody holds; returns them (the caller runs onAssigned). */
  claimFree(member: GroupMember): TopicPartition[] {
    const group = this.groups.get(member.groupId);
    const target = group?.target.get(member.id);
    if (!group || !target) return [];
    const claimed: TopicPartition[] = [];
    for (const [k, tp] of target) {
      if (member.owned.has(k) || group.holder.has(k)) continue;
      group.holder.set(k, member.id);
      member.owned.set(k, tp);
      claimed.push(tp);
    }
    return claimed;
  }

  metadata(member: GroupMember): GroupMetadata {
    return { groupId: member.groupId, generation: member.generation, memberId: member.id };
  }

  /**
   * The group id to commit transactional offsets to, after checking the metadata is not stale.
   * A bare group id (or metadata without member) is accepted unchecked, like Kafka's
   * `sendOffsetsToTransaction(offsets, groupId)`.
   */
  validate(metadata: unknown): string {
    if (typeof metadata === 'string' && metadata.length > 0) return metadata;
    const meta = metadata as Partial<GroupMetadata> | null | undefined;
    if (!meta || typeof meta.groupId !== 'string' || meta.groupId.length === 0) {
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'sendOffsetsToTransaction needs the group metadata of a consumer with a groupId');
    }
    if (!meta.memberId) return meta.groupId;
    const member = this.groups.get(meta.groupId)?.members.get(meta.memberId);
    if (!member || member.generation !== meta.generation) {
      throw new AuraError(
        ErrorCodes.TRANSPORT_FENCED,
        member
          ? `group ${meta.groupId}: member ${meta.memberId} is at generation ${member.generation}, offsets came with generation ${meta.generation}`
          : `group ${meta.groupId}: member ${meta.memberId} is no longer in the group`,
        { details: { groupId: meta.groupId, memberId: meta.memberId, generation: meta.generation } },
      );
    }
    return meta.groupId;
  }

  private rebalance(group: Group): void {
    group.generation++;
    const assignment = assignByPartitionNumber([...group.members.values()], (t) => this.catalog.get(t)?.parts.length);
    group.target = new Map([...assignment].map(([id, tps]) => [id, new Map(tps.map((tp) => [tpKey(tp), tp] as const))] as const));
    for (const m of group.members.values()) this.wake(m);
  }

  private wake(member: GroupMember): void {
    member.dirty = true;
    this.notifier.signal(clientKey(member.id));
  }
}
