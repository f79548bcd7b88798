/**
 * Neighbour queries over a compiled Pipeline, shared by the describe formats.
 * Lists follow the nodes' topological order, without duplicates (a node fed
 * by two ports of the same upstream appears once).
 */
import type { Pipeline } from '../model.js';

function byOrder(pipeline: Pipeline, ids: string[]): string[] {
  const order = Object.keys(pipeline.nodes);
  return [...new Set(ids)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

export function successors(pipeline: Pipeline, id: string): string[] {
  return byOrder(
    pipeline,
    pipeline.edges.filter((e) => e.from === id).map((e) => e.to),
  );
}

export function predecessors(pipeline: Pipeline, id: string): string[] {
  return byOrder(
    pipeline,
    pipeline.edges.filter((e) => e.to === id).map((e) => e.from),
  );
}

/** The sub-topology a node or store belongs to. */
export function subtopologyOf(pipeline: Pipeline, nodeOrStore: string): number | undefined {
  return pipeline.subtopologies.find((st) => st.nodes.includes(nodeOrStore) || st.stores.includes(nodeOrStore))?.id;
}
