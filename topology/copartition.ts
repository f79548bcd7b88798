/**
 * Co-partitioning: records with the same key must land in the same task. So
 * the two sides of a join, and all topics one sub-topology reads, need the same
 * partition count and the same key field.
 */

import type { Diagnostics } from './diagnostics.js';
import type { Draft, DraftNode } from './draft.js';
import { sourceId } from './graph.js';
import type { SubTopology } from './model.js';
import type { Input, Links } from './references.js';
import { nodeLabel } from './references.js';

export function checkCopartitioning(draft: Draft, links: Links, subtopologies: SubTopology[], diags: Diagnostics): void {
  const reported = new Set<string>();
  for (const node of draft.nodes.values()) {
    if (node.join && checkJoin(node, draft, links, diags)) reported.add(node.id);
  }
  for (const st of subtopologies) {
    if (st.nodes.some((id) => reported.has(id)) || st.sourceTopics.length < 2) continue;
    const topics = st.sourceTopics.map((id) => draft.topics.get(id)!).filter(Boolean);
    const partitions = new Set(topics.map((t) => t.partitions));
    const keys = new Set(topics.map((t) => t.key));
    if (partitions.size === 1 && keys.size === 1) continue;
    // Point at the read of the topic that differs from the first one.
    const odd = topics.find((t) => t.partitions !== topics[0].partitions || t.key !== topics[0].key)!;
    const input = links.inputs.find((i) => i.from.kind === 'topic' && i.from.topic === odd.id && st.nodes.includes(i.node));
    if (!input) continue;
    const list = topics.map((t) => `"${t.id}" (${t.partitions} partitions, key "${t.key}")`).join(', ');
    diags.report(
      'NOT_COPARTITIONED',
      input.ref.path,
      `sub-topology ${st.id} reads topics that are not co-partitioned: ${list}; they are processed by the same tasks (through ${st.nodes
        .filter((id) => id !== sourceId(odd.id))
        .slice(0, 3)
        .join(', ')}), so they need equal partition counts and keys`,
    );
  }
}

/** True when a problem was reported. */
function checkJoin(node: DraftNode, draft: Draft, links: Links, diags: Diagnostics): boolean {
  const join = node.join!;
  const inputs = links.inputs.filter((i) => i.node === node.id);
  const left = inputs.find((i) => i.side === 'left');
  if (!left) return false;
  const leftTopics = upstreamTopics(left, links, new Set());
  let rightTopics: string[];
  let rightWhat: string;
  if (join.type === 'stream_table') {
    const table = draft.stores.get(join.right.value)?.from?.value;
    if (!table || !draft.topics.has(table)) return false;
    rightTopics = [table];
    rightWhat = `the table "${join.right.value}" is materialised from`;
  } else {
    const right = inputs.find((i) => i.side === 'right');
    if (!right) return false;
    rightTopics = upstreamTopics(right, links, new Set());
    rightWhat = 'right side reads';
  }
  const describe = (ids: string[]) =>
    ids
      .map((id) => draft.topics.get(id))
      .filter((t) => t !== undefined)
      .map((t) => `"${t.id}" (${t.partitions} partitions, key "${t.key}")`)
      .join(', ');
  const all = [...leftTopics, ...rightTopics].map((id) => draft.topics.get(id)).filter((t) => t !== undefined);
  if (all.length === 0) return false;
  const samePartitions = all.every((t) => t.partitions === all[0].partitions);
  const sameKeys = all.every((t) => t.key === all[0].key);
  if (samePartitions && sameKeys) return false;
  const differ = [!samePartitions ? 'partition counts' : '', !sameKeys ? 'keys' : ''].filter(Boolean).join(' and ');
  diags.report(
    'NOT_COPARTITIONED',
    join.right.path,
    `${nodeLabel(node)}: the sides are not co-partitioned (different ${differ}): left side reads ${describe(leftTopics)}; ${rightWhat} ${describe(rightTopics)}`,
  );
  return true;
}

/** The topics whose records reach an input, through any upstream nodes. */
function upstreamTopics(input: Input, links: Links, seen: Set<string>): string[] {
  if (input.from.kind === 'topic') return [input.from.topic];
  const upstream = input.from.node;
  if (seen.has(upstream)) return [];
  seen.add(upstream);
  return [...new Set(links.inputs.filter((i) => i.node === upstream).flatMap((i) => upstreamTopics(i, links, seen)))];
}
