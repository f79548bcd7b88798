/**
 * Graphviz DOT of a pipeline: a cluster per sub-topology (processors, joins and
 * their stores), topics outside as `cds` shapes, ports as edge labels.
 */
import type { Pipeline } from '../model.js';
import { storeLabel } from './mermaid.js';

/** DOT ids and labels are double-quoted strings. */
const q = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const topicNode = (id: string) => q(`topic:${id}`);
const storeNode = (id: string) => q(`store:${id}`);

export function describeDot(pipeline: Pipeline): string {
  const lines = [`digraph ${q(pipeline.app)} {`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  const endpoint = (id: string) => {
    const node = pipeline.nodes[id];
    return node.kind === 'source' || node.kind === 'sink' ? topicNode(node.topic!) : q(id);
  };
  for (const st of pipeline.subtopologies) {
    lines.push(`  subgraph ${q(`cluster_${st.id}`)} {`);
    lines.push(`    label=${q(`Sub-topology ${st.id} (${st.partitions} partitions)`)};`, '    style=rounded;');
    for (const id of st.nodes) {
      const node = pipeline.nodes[id];
      if (node.kind === 'processor') lines.push(`    ${q(id)} [shape=box, style=rounded, label=${q(`${id}\n${node.type}`)}];`);
      if (node.kind === 'join') lines.push(`    ${q(id)} [shape=hexagon, label=${q(`${id}\n${node.type} join`)}];`);
    }
    for (const store of st.stores) lines.push(`    ${storeNode(store)} [shape=cylinder, label=${q(storeLabel(pipeline, store, '\n'))}];`);
    lines.push('  }');
  }
  const topics = new Set<string>();
  for (const node of Object.values(pipeline.nodes)) if (node.topic) topics.add(node.topic);
  for (const store of Object.values(pipeline.stores)) if (store.fromTopic) topics.add(store.fromTopic);
  for (const topic of Object.values(pipeline.topics)) if (!topic.internal) topics.add(topic.id);
  for (const id of topics) {
    const dlq = pipeline.defaults.deadLetterTopic === id ? '\n(dead letters)' : '';
    lines.push(`  ${topicNode(id)} [shape=cds, style=filled, fillcolor="#eef4ff", label=${q(`${pipeline.topics[id]?.name ?? id}${dlq}`)}];`);
  }
  for (const edge of pipeline.edges) {
    const attrs = edge.port === 'default' ? '' : ` [label=${q(edge.port)}]`;
    lines.push(`  ${endpoint(edge.from)} -> ${endpoint(edge.to)}${attrs};`);
  }
  for (const node of Object.values(pipeline.nodes)) {
    for (const store of node.stores) lines.push(`  ${q(node.id)} -> ${storeNode(store)} [style=dashed, arrowhead=none];`);
  }
  for (const store of Object.values(pipeline.stores)) {
    if (store.fromTopic && pipeline.subtopologies.some((st) => st.stores.includes(store.id)))
      lines.push(`  ${topicNode(store.fromTopic)} -> ${storeNode(store.id)} [style=dashed, label="table"];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
