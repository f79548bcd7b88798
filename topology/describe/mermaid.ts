/**
 * Mermaid flowchart of a pipeline: one subgraph per sub-topology holding its
 * processors, joins and stores; topics (parallelograms) outside, since they
 * connect sub-topologies; stores as cylinders linked by dotted lines. Source
 * and sink nodes are drawn as the topics they read and write.
 */
import type { Pipeline } from '../model.js';

const topicNode = (id: string) => `t_${id}`;
const storeNode = (id: string) => `s_${id}`;
const procNode = (id: string) => `n_${id}`;

/** Mermaid labels are quoted strings: quotes become entities. */
const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

/** A store's id, kind and changelog topic. */
export function storeLabel(pipeline: Pipeline, id: string, newline: string): string {
  const store = pipeline.stores[id];
  if (!store) return id;
  const log = store.fromTopic ? `table of ${pipeline.topics[store.fromTopic]?.name ?? store.fromTopic}` : (store.changelogTopic ?? 'not logged');
  return `${id}${newline}${store.kind}${newline}${log}`;
}

export function describeMermaid(pipeline: Pipeline): string {
  const lines = ['flowchart LR'];
  const endpoint = (id: string) => {
    const node = pipeline.nodes[id];
    return node.kind === 'source' || node.kind === 'sink' ? topicNode(node.topic!) : procNode(id);
  };
  for (const st of pipeline.subtopologies) {
    lines.push(`  subgraph st${st.id}[${label(`Sub-topology ${st.id} · ${st.partitions} partitions`)}]`);
    for (const id of st.nodes) {
      const node = pipeline.nodes[id];
      if (node.kind === 'processor') lines.push(`    ${procNode(id)}[${label(`${id}<br/>${node.type}`)}]`);
      if (node.kind === 'join') lines.push(`    ${procNode(id)}{{${label(`${id}<br/>${node.type} join`)}}}`);
    }
    for (const store of st.stores) lines.push(`    ${storeNode(store)}[(${label(storeLabel(pipeline, store, '<br/>'))})]`);
    lines.push('  end');
  }
  const usedTopics = new Set<string>();
  for (const node of Object.values(pipeline.nodes)) if (node.topic) usedTopics.add(node.topic);
  for (const store of Object.values(pipeline.stores)) if (store.fromTopic) usedTopics.add(store.fromTopic);
  // Declared topics that no node touches directly (the dead letter topic) are drawn too; changelogs are not (see the stores).
  for (const topic of Object.values(pipeline.topics)) if (!topic.internal) usedTopics.add(topic.id);
  for (const id of usedTopics) {
    const dlq = pipeline.defaults.deadLetterTopic === id ? ' (dead letters)' : '';
    lines.push(`  ${topicNode(id)}[/${label(`${pipeline.topics[id]?.name ?? id}${dlq}`)}/]`);
  }
  for (const edge of pipeline.edges) {
    const arrow = edge.port === 'default' ? '-->' : `-->|${label(edge.port)}|`;
    lines.push(`  ${endpoint(edge.from)} ${arrow} ${endpoint(edge.to)}`);
  }
  for (const node of Object.values(pipeline.nodes)) {
    for (const store of node.stores) lines.push(`  ${procNode(node.id)} -.- ${storeNode(store)}`);
  }
  for (const store of Object.values(pipeline.stores)) {
    if (store.fromTopic && pipeline.subtopologies.some((st) => st.stores.includes(store.id)))
      lines.push(`  ${topicNode(store.fromTopic)} -.->|${label('table')}| ${storeNode(store.id)}`);
  }
  lines.push('  classDef topic fill:#eef4ff,stroke:#4a6fa5;');
  lines.push('  classDef store fill:#fff6e5,stroke:#b7791f;');
  if (usedTopics.size > 0) lines.push(`  class ${[...usedTopics].map(topicNode).join(',')} topic;`);
  const storeIds = pipeline.subtopologies.flatMap((st) => st.stores);
  if (storeIds.length > 0) lines.push(`  class ${storeIds.map(storeNode).join(',')} store;`);
  return `${lines.join('\n')}\n`;
}
