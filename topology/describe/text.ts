/**
 * `aura describe` text: the layout of Kafka Streams' `Topology.describe()`
 * (including its indentation: three spaces before the first sub-topology, two
 * before the others), followed by the stores, every topic (changelogs
 * included), the tasks — a fused sub-topology runs in its chain's head's
 * tasks — and the compiler's fusion decision on every topic, with its reason.
 */

import { formatDuration } from '../../schemas/duration.js';
import type { Pipeline, TopicSpec } from '../model.js';
import { predecessors, successors } from './graph-view.js';

export function describeText(pipeline: Pipeline): string {
  let out = 'Topologies:\n ';
  for (const st of pipeline.subtopologies) {
    out += `  Sub-topology: ${st.id}\n`;
    for (const id of st.nodes) out += `    ${nodeText(pipeline, id)}\n`;
    out += '\n';
  }
  out += '  Stores:\n';
  const stores = Object.values(pipeline.stores);
  if (stores.length === 0) out += '    none\n';
  for (const store of stores) {
    const owner = pipeline.subtopologies.find((st) => st.stores.includes(store.id));
    const details = [`kind: ${store.kind}`];
    if (store.fromTopic) details.push(`table of: ${pipeline.topics[store.fromTopic]?.name ?? store.fromTopic}`);
    else details.push(`changelog: ${store.changelogTopic ?? 'none'}`);
    if (store.windowSizeMs !== undefined) details.push(`window: ${formatDuration(store.windowSizeMs)}`);
    if (store.retentionMs !== undefined) details.push(`retention: ${formatDuration(store.retentionMs)}`);
    if (store.ttlMs !== undefined) details.push(`ttl: ${formatDuration(store.ttlMs)}`);
    details.push(`sub-topology: ${owner ? owner.id : 'none'}`);
    out += `    Store: ${store.id} (${details.join(', ')})\n`;
  }
  out += '\n  Topics:\n';
  for (const topic of Object.values(pipeline.topics)) out += `    Topic: ${topic.id} (${topicDetails(pipeline, topic)})\n`;
  out += '\n  Tasks:\n';
  for (const st of pipeline.subtopologies) {
    if (st.fusedInto !== undefined) {
      const head = pipeline.subtopologies.find((s) => s.id === st.fusedInto)!;
      out += `    Sub-topology: ${st.id} (fused into ${head.id}: runs in tasks ${head.id}_0..${head.id}_${head.partitions - 1}, its input [${names(pipeline, st.sourceTopics)}] passed in memory)\n`;
      continue;
    }
    const tables = st.tableTopics.length > 0 ? `, table topics: [${names(pipeline, st.tableTopics)}]` : '';
    const members = pipeline.subtopologies.filter((s) => s.fusedInto === st.id);
    const chain = members.length > 0 ? `, fused chain: ${[st.id, ...members.map((m) => m.id)].join(' → ')}` : '';
    out += `    Sub-topology: ${st.id} (partitions: ${st.partitions}, tasks: ${st.id}_0..${st.id}_${st.partitions - 1}, source topics: [${names(pipeline, st.sourceTopics)}]${tables}${chain})\n`;
  }
  out += '\n  Fusion:\n';
  for (const d of pipeline.fusion) out += `    Topic: ${d.topic}: ${d.fused ? 'fused' : 'not fused'} (${d.reason})\n`;
  return out;
}

function topicDetails(pipeline: Pipeline, topic: TopicSpec): string {
  const details = [`name: ${topic.name}`, `partitions: ${topic.partitions}`, `replication: ${topic.replication}`, `cleanup: ${topic.cleanup}`];
  if (topic.cleanup !== 'compact') details.push(`retention: ${topic.retentionMs < 0 ? 'forever' : formatDuration(topic.retentionMs)}`);
  if (topic.schema) details.push(`schema: ${topic.schema}`);
  if (topic.internal) {
    const store = Object.values(pipeline.stores).find((s) => s.changelogTopic === topic.name);
    details.push(`internal: changelog of ${store?.id ?? 'a store'}`);
  }
  if (pipeline.defaults.deadLetterTopic === topic.id) details.push('dead letters');
  const fusion = pipeline.fusion.find((d) => d.topic === topic.id);
  if (fusion?.fused) details.push(`fused: sub-topology ${fusion.reader} reads it in memory, the topic still receives every record`);
  return details.join(', ');
}

function names(pipeline: Pipeline, topicIds: string[]): string {
  return topicIds.map((id) => pipeline.topics[id]?.name ?? id).join(', ');
}

function list(ids: string[]): string {
  return ids.length === 0 ? 'none' : ids.join(', ');
}

function nodeText(pipeline: Pipeline, id: string): string {
  const node = pipeline.nodes[id];
  const next = `\n      --> ${list(successors(pipeline, id))}`;
  const prev = `\n      <-- ${list(predecessors(pipeline, id))}`;
  switch (node.kind) {
    case 'source':
      return `Source: ${id} (topics: [${pipeline.topics[node.topic!]?.name ?? node.topic}])${next}`;
    case 'sink':
      return `Sink: ${id} (topic: ${pipeline.topics[node.topic!]?.name ?? node.topic})${prev}`;
    default:
      return `Processor: ${id} (stores: [${node.stores.join(', ')}])${next}${prev}`;
  }
}
