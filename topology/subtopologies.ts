/**
 * Sub-topologies, as in Kafka Streams: the connected components of the graph
 * through in-memory edges and shared stores (topics split them). Each runs as
 * one task per partition, so the topics it reads must be co-partitioned.
 */

import type { Draft } from './draft.js';
import type { Graph } from './graph.js';
import type { NodeSpec, SubTopology } from './model.js';

/** Groups nodes into sub-topologies, numbered in data-flow order (ties: YAML order), nodes in topological order. */
export function buildSubtopologies(draft: Draft, graph: Graph): SubTopology[] {
  const parent = new Map<string, string>([...graph.nodes.keys()].map((id) => [id, id]));
  const find = (id: string): string => {
    while (parent.get(id) !== id) id = parent.get(id)!;
    return id;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const edge of graph.edges) union(edge.from, edge.to);
  const storeOwner = new Map<string, string>();
  for (const node of graph.nodes.values()) {
    for (const store of node.stores) {
      const other = storeOwner.get(store);
      if (other) union(other, node.id);
      else storeOwner.set(store, node.id);
    }
  }
  const groups = new Map<string, NodeSpec[]>();
  for (const node of graph.nodes.values()) groups.set(find(node.id), [...(groups.get(find(node.id)) ?? []), node]);
  const components = order([...groups.values()], draft, graph);
  return components.map((nodes, id) => describeComponent(id, nodes, draft, graph));
}

const minRank = (nodes: NodeSpec[], graph: Graph) => Math.min(...nodes.map((n) => graph.rank.get(n.id) ?? 0));

/** Components in data-flow order through topics (a writer's before its readers), ties by YAML order. */
function order(components: NodeSpec[][], draft: Draft, graph: Graph): NodeSpec[][] {
  const reads = (c: NodeSpec[]) => new Set([...c.filter((n) => n.kind === 'source').map((n) => n.topic!), ...tableTopics(c, draft)]);
  const writes = (c: NodeSpec[]) => new Set(c.filter((n) => n.kind === 'sink').map((n) => n.topic!));
  const remaining = [...components].sort((a, b) => minRank(a, graph) - minRank(b, graph));
  const result: NodeSpec[][] = [];
  while (remaining.length > 0) {
    // Ready: no other remaining component writes what it reads. On a cycle (already reported) take the first.
    const ready = remaining.find((c) => ![...reads(c)].some((t) => remaining.some((o) => o !== c && writes(o).has(t)))) ?? remaining[0];
    result.push(ready);
    remaining.splice(remaining.indexOf(ready), 1);
  }
  return result;
}

function tableTopics(nodes: NodeSpec[], draft: Draft): string[] {
  const topics = nodes
    .flatMap((n) => n.stores)
    .flatMap((s) => {
      const from = draft.stores.get(s)?.from?.value;
      return from ? [from] : [];
    });
  return [...new Set(topics)];
}

function describeComponent(id: number, nodes: NodeSpec[], draft: Draft, graph: Graph): SubTopology {
  const sorted = topologicalOrder(nodes, graph);
  const sourceTopics = sorted.filter((n) => n.kind === 'source').map((n) => n.topic!);
  const tables = tableTopics(sorted, draft);
  const counted = sourceTopics.length > 0 ? sourceTopics : tables;
  const partitions =
    counted.length > 0 ? Math.max(...counted.map((t) => draft.topics.get(t)?.partitions ?? draft.defaults.partitions)) : draft.defaults.partitions;
  return {
    id,
    sourceTopics,
    tableTopics: tables,
    sinkTopics: [...new Set(sorted.filter((n) => n.kind === 'sink').map((n) => n.topic!))],
    nodes: sorted.map((n) => n.id),
    stores: [...new Set(sorted.flatMap((n) => n.stores))],
    partitions,
  };
}

/** Kahn's algorithm, always taking the ready node that comes first in the YAML. */
function topologicalOrder(nodes: NodeSpec[], graph: Graph): NodeSpec[] {
  const ids = new Set(nodes.map((n) => n.id));
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of graph.edges) if (ids.has(e.from) && ids.has(e.to)) indegree.set(e.to, indegree.get(e.to)! + 1);
  const rank = (id: string) => graph.rank.get(id) ?? 0;
  const result: NodeSpec[] = [];
  const done = new Set<string>();
  while (result.length < nodes.length) {
    const ready = nodes.filter((n) => !done.has(n.id) && indegree.get(n.id) === 0).sort((a, b) => rank(a.id) - rank(b.id));
    // A cycle (reported elsewhere) leaves nothing ready: continue in YAML order.
    const next = ready[0] ?? nodes.filter((n) => !done.has(n.id)).sort((a, b) => rank(a.id) - rank(b.id))[0];
    done.add(next.id);
    result.push(next);
    for (const e of graph.edges) if (e.from === next.id && ids.has(e.to) && !done.has(e.to)) indegree.set(e.to, indegree.get(e.to)! - 1);
  }
  return result;
}
