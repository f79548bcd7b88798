/**
 * The group positions a commit writes for the fused topics (commit.ts): what a reader of such a
 * topic from the log must not process again because its in-memory reader already did.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { OutgoingRecord, RecordMetadata, TopicPartitionOffset } from '../transports/types.js';
import type { PreparedCommit } from './commit.js';
import type { LaneRoot } from './lane-tracker.js';

/**
 * The input offsets plus, for every fused topic partition written by this commit, the offset
 * after the last record written there: its reader already processed those records in memory,
 * so a reader of the topic from the log (the same group, after `fuse: false`, or the catch-up
 * of a task that starts: fused-catch-up.ts) must not process them again. Committed with the
 * records themselves — in the same transaction under exactly-once. One entry per partition
 * (the highest, should a table read the same topic).
 *
 * Lane work left behind (lane-tracker.ts): a partition with a held record stops at the first
 * one, whose downstream is not committed (the catch-up redoes it after a crash); a partition
 * whose held records were released since moves past them, even when this commit writes
 * nothing there. A held record's offset is learnt from the commit that sent it.
 */
export function fusedPositions(
  fusedTopics: ReadonlySet<string>,
  offsets: TopicPartitionOffset[],
  records: OutgoingRecord[],
  meta: RecordMetadata[],
  from: number,
  parts: PreparedCommit['parts'],
): TopicPartitionOffset[] {
  if (fusedTopics.size === 0) return offsets;
  const next = new Map<string, TopicPartitionOffset>();
  const raise = (topic: string, partition: number, offset: number): void => {
    const key = `${topic}:${partition}`;
    if ((next.get(key)?.offset ?? -1) < offset) next.set(key, { topic, partition, offset });
  };
  for (const o of offsets) raise(o.topic, o.partition, o.offset);
  const roots = parts.some((x) => x.held.length > 0 || x.released.length > 0);
  const sentAt = roots ? new Map<OutgoingRecord, RecordMetadata>() : undefined;
  for (let k = from; k < records.length; k++) {
    if (!fusedTopics.has(records[k]!.topic)) continue;
    const m = meta[k]!;
    raise(m.topic, m.partition, m.offset + 1);
    sentAt?.set(records[k]!, m);
  }
  if (!sentAt) return [...next.values()];
  const sentOf = (root: LaneRoot): TopicPartitionOffset => {
    if (root.sent === undefined) {
      const m = sentAt.get(root.record);
      if (m === undefined) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `commit: the offset of a fused record in ${root.record.topic} is unknown`);
      root.sent = { topic: m.topic, partition: m.partition, offset: m.offset };
    }
    return root.sent;
  };
  for (const { released } of parts) {
    for (const root of released) {
      const at = sentOf(root);
      raise(at.topic, at.partition, at.offset + 1);
    }
  }
  const stops = new Map<string, TopicPartitionOffset>();
  for (const { held } of parts) {
    for (const root of held) {
      const at = sentOf(root);
      const key = `${at.topic}:${at.partition}`;
      if ((stops.get(key)?.offset ?? Number.POSITIVE_INFINITY) > at.offset) stops.set(key, at);
    }
  }
  for (const [key, stop] of stops) next.set(key, stop);
  return [...next.values()];
}
