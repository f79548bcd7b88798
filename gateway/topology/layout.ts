/**
 * A layered left-to-right layout of the topology (the graph `aura describe`
 * prints), computed on the server so the page only draws: nodes get a column
 * by longest path from the sources (a sink and the sources of the topic it
 * writes count as connected, which chains the sub-topologies), rows are
 * ordered by a barycenter sweep to limit crossings. Stores sit in their own
 * row under the nodes that use them.
 */
import type { NodeKind, Pipeline } from '../../topology/model.js';

export interface LayoutNode {
  id: string;
  kind: NodeKind | 'store';
  type: string;
  label: string;
  detail: string;
  subtopology: number | null;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  label: string;
  kind: 'flow' | 'topic' | 'store';
}

export interface TopologyLayout {
  app: string;
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

const W = 200;
const H = 76;
const GAP_X = 70;
const GAP_Y = 34;
const MARGIN = 24;

export function layoutTopology(p: Pipeline): TopologyLayout {
  const ids = Object.keys(p.nodes);
  const edges: LayoutEdge[] = p.edges.map((e) => ({ from: e.from, to: e.to, label: e.port === 'default' ? '' : e.port, kind: 'flow' }));
  for (const sink of Object.values(p.nodes).filter((n) => n.kind === 'sink')) {
    for (const source of Object.values(p.nodes).filter((n) => n.kind === 'source' && n.topic === sink.topic)) {
      edges.push({ from: sink.id, to: source.id, label: p.topics[sink.topic!]?.name ?? '', kind: 'topic' });
    }
  }
  const layer = longestPathLayers(ids, edges);
  const columns: string[][] = [];
  for (const id of ids) (columns[layer.get(id)!] ??= []).push(id);
  orderByBarycenter(columns, edges);

  const nodes: LayoutNode[] = [];
  const subOf = (id: string) => p.subtopologies.find((st) => st.nodes.includes(id) || st.stores.includes(id))?.id ?? null;
  columns.forEach((col, c) =>
    col.forEach((id, r) => {
      const n = p.nodes[id]!;
      const topic = n.topic ? p.topics[n.topic]?.name : undefined;
      nodes.push({
        id,
        kind: n.kind,
        type: n.type,
        label: id,
        detail: n.kind === 'source' ? `source · ${topic}` : n.kind === 'sink' ? `sink · ${topic}` : `${n.type}${n.kind === 'join' ? ' join' : ''}`,
        subtopology: subOf(id),
        x: MARGIN + c * (W + GAP_X),
        y: MARGIN + r * (H + GAP_Y),
        w: W,
        h: H,
      });
    }),
  );
  // Stores: one row below everything, each under the first node that uses it.
  const bottom = Math.max(MARGIN, ...nodes.map((n) => n.y + n.h)) + GAP_Y * 2;
  const taken = new Set<number>();
  for (const store of Object.values(p.stores)) {
    const users = Object.values(p.nodes).filter((n) => n.stores.includes(store.id));
    const anchor = nodes.find((n) => n.id === users[0]?.id);
    let x = anchor?.x ?? MARGIN;
    while (taken.has(x)) x += W + GAP_X;
    taken.add(x);
    nodes.push({ id: `store:${store.id}`, kind: 'store', type: store.kind, label: store.id, detail: `${store.kind} store`, subtopology: subOf(store.id), x, y: bottom, w: W, h: 56 });
    for (const u of users) edges.push({ from: u.id, to: `store:${store.id}`, label: '', kind: 'store' });
  }
  const width = Math.max(...nodes.map((n) => n.x + n.w)) + MARGIN;
  const height = Math.max(...nodes.map((n) => n.y + n.h)) + MARGIN;
  return { app: p.app, width, height, nodes, edges };
}

function longestPathLayers(ids: string[], edges: LayoutEdge[]): Map<string, number> {
  const incoming = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!incoming.has(e.from) || !incoming.has(e.to)) continue;
    incoming.set(e.to, incoming.get(e.to)! + 1);
    out.get(e.from)!.push(e.to);
  }
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => incoming.get(id) === 0);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of out.get(id)!) {
      layer.set(next, Math.max(layer.get(next)!, layer.get(id)! + 1));
      incoming.set(next, incoming.get(next)! - 1);
      if (incoming.get(next) === 0) queue.push(next);
    }
  }
  return layer; // a node on a cycle keeps the layer reached so far: drawn, never lost
}

function orderByBarycenter(columns: string[][], edges: LayoutEdge[]): void {
  const preds = new Map<string, string[]>();
  for (const e of edges) (preds.get(e.to) ?? preds.set(e.to, []).get(e.to)!).push(e.from);
  for (let sweep = 0; sweep < 2; sweep++) {
    const row = new Map<string, number>();
    columns.forEach((col) => col.forEach((id, i) => row.set(id, i)));
    for (const col of columns.slice(1)) {
      const score = (id: string) => {
        const ps = (preds.get(id) ?? []).filter((x) => row.has(x));
        return ps.length ? ps.reduce((s, x) => s + row.get(x)!, 0) / ps.length : row.get(id)!;
      };
      col.sort((a, b) => score(a) - score(b));
      col.forEach((id, i) => row.set(id, i));
    }
  }
}
