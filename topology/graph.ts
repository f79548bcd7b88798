/**
 * The logical graph: a source node per topic read (`<topic>-source`), the
 * processors and joins, a sink node per topic written (`<node>-to-<topic>`),
 * and the edges between them with their ports.
 */

import type { Draft, DraftNode } from './draft.js';
import type { Edge, NodeSpec, SourceLocation } from './model.js';
import type { Links } from './references.js';
import { joinStoreIds } from './semantics.js';
import type { Path } from './source-doc.js';

export interface Graph {
  nodes: Map<string, NodeSpec>;
  edges: Edge[];
  /** Tie-break for orderings: where each node appears in the YAML (sources just before their first reader, sinks just after their writer). */
  rank: Map<string, number>;
}

export const sourceId = (topic: string): string => `${topic}-source`;
export const sinkId = (node: string, topic: string): string => `${node}-to-${topic}`;

export function buildGraph(draft: Draft, links: Links, locate: (path: Path) => SourceLocation): Graph {
  const graph: Graph = { nodes: new Map(), edges: [], rank: new Map() };
  const drafts = [...draft.nodes.values()].sort((a, b) => a.index - b.index);
  for (const node of drafts) {
    for (const input of links.inputs.filter((i) => i.node === node.id)) {
      if (input.from.kind === 'topic') {
        const id = sourceId(input.from.topic);
        if (!graph.nodes.has(id)) {
          graph.nodes.set(id, endpoint(id, 'source', input.from.topic, draft));
          graph.rank.set(id, node.index - 0.5);
        }
        graph.edges.push({ from: id, port: 'default', to: node.id });
      } else {
        graph.edges.push({ from: input.from.node, port: input.from.port, to: node.id });
      }
    }
    graph.nodes.set(node.id, nodeSpec(node, links, locate(node.path)));
    graph.rank.set(node.id, node.index);
    for (const out of links.outputs.filter((o) => o.node === node.id)) {
      const id = sinkId(node.id, out.topic);
      if (!graph.nodes.has(id)) {
        graph.nodes.set(id, { ...endpoint(id, 'sink', out.topic, draft), onError: node.onError });
        graph.rank.set(id, node.index + 0.25);
      }
      graph.edges.push({ from: node.id, port: out.port, to: id });
    }
  }
  return graph;
}

function endpoint(id: string, kind: 'source' | 'sink', topic: string, draft: Draft): NodeSpec {
  return { id, kind, type: kind, topic, stores: [], config: {}, onError: draft.defaults.onError, concurrency: 1 };
}

function nodeSpec(node: DraftNode, links: Links, loc: SourceLocation): NodeSpec {
  const spec: NodeSpec = {
    id: node.id,
    kind: node.kind,
    type: node.type,
    stores: [...new Set(links.nodeStores.get(node.id) ?? [])],
    config: node.config ?? {},
    onError: node.onError,
    concurrency: node.concurrency,
    loc,
  };
  const join = node.join;
  if (join) {
    spec.join = { kind: join.kind, left: join.left.value, right: join.right.value };
    if (join.type === 'stream_stream') {
      const stores = joinStoreIds(node.id);
      spec.join = { ...spec.join, windowSizeMs: join.windowSizeMs, graceMs: join.graceMs, leftStore: stores.left, rightStore: stores.right };
      spec.stores = [stores.left, stores.right];
    }
  }
  return spec;
}
