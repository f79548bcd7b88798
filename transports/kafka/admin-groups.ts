/**
 * Consumer-group administration over librdkafka: describe a group, read and
 * overwrite its committed offsets — what `aura reset` needs, in the spirit of
 * `kafka-consumer-groups.sh` and `kafka-streams-application-reset`.
 *
 * This binding's AdminClient has no AlterConsumerGroupOffsets, so offsets are
 * written the way Kafka's reset tool writes them: a consumer of the group that
 * never joins it commits them (generation -1). The coordinator accepts that
 * only while the group has no members, which is exactly when a reset is safe.
 */

import type { GroupResults, IAdminClient, LibrdKafkaError, GroupDescription as RdGroupDescription } from '@confluentinc/kafka-javascript';
import rdkafka from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { GroupDescription, TopicPartition, TopicPartitionOffset } from '../types.js';
import { call, RD_ERRORS } from './errors.js';

const TIMEOUT_MS = 15_000;

/** librdkafka's ConsumerGroupStates, by number. */
const STATES: Record<number, GroupDescription['state']> = {
  0: 'unknown',
  1: 'preparing_rebalance',
  2: 'completing_rebalance',
  3: 'stable',
  4: 'dead',
  5: 'empty',
};

export async function describeGroup(client: IAdminClient, groupId: string): Promise<GroupDescription> {
  const res = await call<{ groups: RdGroupDescription[] }>(`describeGroups ${groupId}`, (cb) => client.describeGroups([groupId], { timeout: TIMEOUT_MS }, cb));
  const g = res.groups.find((x) => x.groupId === groupId);
  // A group nobody ever joined: the new coordinator says GROUP_ID_NOT_FOUND, the old one "Dead".
  if (!g || g.error?.code === RD_ERRORS.ERR_GROUP_ID_NOT_FOUND) return { groupId, state: 'dead', members: [] };
  if (g.error) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `describeGroups ${groupId}: ${g.error.message}`, { cause: g.error });
  return {
    groupId,
    state: STATES[g.state as number] ?? 'unknown',
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      ...(m.groupInstanceId ? { instanceId: m.groupInstanceId } : {}),
    })),
  };
}

export async function groupOffsets(client: IAdminClient, groupId: string, partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
  if (partitions.length === 0) return [];
  const res = await call<GroupResults[]>(`listConsumerGroupOffsets ${groupId}`, (cb) =>
    client.listConsumerGroupOffsets(
      [{ groupId, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) }],
      { timeout: TIMEOUT_MS },
      cb,
    ),
  );
  const g = res.find((r) => r.groupId === groupId);
  if (g?.error) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `listConsumerGroupOffsets ${groupId}: ${g.error.message}`, { cause: g.error });
  const byKey = new Map((g?.partitions ?? []).map((p) => [`${p.topic}\0${p.partition}`, Number(p.offset)]));
  return partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: Math.max(-1, byKey.get(`${p.topic}\0${p.partition}`) ?? -1) }));
}

/** Commits `offsets` for the group from a consumer that never joins it (see the file comment). */
export async function setGroupOffsets(conf: Record<string, string | number | boolean>, groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  const consumer = new rdkafka.KafkaConsumer({ ...conf, 'group.id': groupId, 'enable.auto.commit': false } as never, {});
  await call('consumer connect', (cb) => consumer.connect({ timeout: TIMEOUT_MS }, (err) => cb(err as LibrdKafkaError)));
  try {
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    await call(`commit offsets of ${groupId}`, (cb) =>
      (consumer as unknown as { commitCb(o: unknown, cb: (e: LibrdKafkaError | null) => void): void }).commitCb(list, cb),
    ).catch((err: AuraError) => {
      const code = (err.details as { code?: number } | undefined)?.code;
      if (code === RD_ERRORS.ERR_UNKNOWN_MEMBER_ID || code === RD_ERRORS.ERR_ILLEGAL_GENERATION || code === RD_ERRORS.ERR_REBALANCE_IN_PROGRESS) {
        throw new AuraError(ErrorCodes.GROUP_ACTIVE, `group ${groupId} has members: its offsets can only be changed while nobody is in the group`, {
          cause: err,
        });
      }
      throw err;
    });
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
