/**
 * The layout of the topology page, computed on the server so the page only
 * draws. One horizontal band per sub-topology (as `aura describe` lists them),
 * all bands on one column grid: inside a band a node's column is its longest
 * path from the band's sources, rows are ordered by a barycenter sweep, and a
 * store sits in its node's column right below it. Nodes never share a cell,
 * so the gaps between columns and rows are free: every edge that is not a
 * short hop between neighbouring columns is routed through those gaps
 * (routing.ts) and never crosses a node. Texts are cut to fit their boxes.
 */
import type { NodeKind, Pipeline, SubTopology } from '../../topology/model.js';
import { type EdgeRoute, routeEdges } from './routing.js';

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

export interface LayoutEdge extends EdgeRoute {
  from: string;
  to: string;
  label: string;
  kind: 'flow' | 'topic' | 'store';
}

export interface LayoutBand {
  subtopology: number;
  title: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TopologyLayout {
  app: string;
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  bands: LayoutBand[];
}

export const GRID = { W: 210, H: 88, STORE_H: 46, GAP_X: 96, GAP_Y: 30, BAND_TITLE: 30, BAND_GAP: 16, MARGIN: 20 } as const;

/** Roughly the characters that fit a width at the page's font sizes (tested in Chromium). */
export function fitText(text: string, widthPx: number, pxPerChar = 7): string {
  const max = Math.max(4, Math.floor(widthPx / pxPerChar));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function layoutTopology(p: Pipeline): TopologyLayout {
  const { W, H, STORE_H, GAP_X, GAP_Y, BAND_TITLE, BAND_GAP, MARGIN } = GRID;
  const nodes: LayoutNode[] = [];
  const bands: LayoutBand[] = [];
  const flow = p.edges.map((e) => ({ from: e.from, to: e.to, label: e.port === 'default' ? '' : e.port }));
  let top = MARGIN;
  let columnsUsed = 1;
  for (const st of p.subtopologies) {
    const columns = bandColumns(st, flow);
    columnsUsed = Math.max(columnsUsed, columns.length);
    // A store goes right below the first node that uses it, in that node's column.
    const cells: Array<Array<{ id: string; store: boolean }>> = columns.map((col) => col.flatMap((id) => [{ id, store: false }]));
    for (const storeId of st.stores) {
      const anchor = st.nodes.find((n) => p.nodes[n]?.stores.includes(storeId));
      const c = anchor ? cells.findIndex((col) => col.some((x) => x.id === anchor)) : 0;
      const col = cells[Math.max(0, c)] ?? (cells[0] = []);
      let at = anchor ? col.findIndex((x) => x.id === anchor) + 1 : col.length;
      while (at < col.length && col[at]!.store) at++;
      col.splice(at, 0, { id: storeId, store: true });
    }
    const rows = Math.max(1, ...cells.map((c) => c.length));
    const y0 = top + BAND_TITLE;
    cells.forEach((col, c) =>
      col.forEach((cell, r) => {
        const x = MARGIN + c * (W + GAP_X);
        const y = y0 + r * (H + GAP_Y);
        if (cell.store) {
          const s = p.stores[cell.id]!;
          const detail = s.fromTopic ? `table of ${p.topics[s.fromTopic]?.name ?? s.fromTopic}` : `${s.kind.replace('_', '-')} store`;
          nodes.push({
            id: `store:${s.id}`,
            kind: 'store',
            type: s.kind,
            label: fitText(s.id, W - 20, 7.8),
            detail: fitText(detail, W - 20, 6.5),
            subtopology: st.id,
            x,
            y: y + (H - STORE_H) / 2,
            w: W,
            h: STORE_H,
          });
          return;
        }
        const n = p.nodes[cell.id]!;
        const topic = n.topic ? p.topics[n.topic]?.name : undefined;
        const detail = n.kind === 'source' ? `source · ${topic}` : n.kind === 'sink' ? `sink · ${topic}` : `${n.type}${n.kind === 'join' ? ' join' : ''}`;
        nodes.push({
          id: n.id,
          kind: n.kind,
          type: n.type,
          label: fitText(n.id, W - 20, 7.8),
          detail: fitText(detail, W - 20, 6.5),
          subtopology: st.id,
          x,
          y,
          w: W,
          h: H,
        });
      }),
    );
    const h = BAND_TITLE + rows * (H + GAP_Y) - GAP_Y + 12;
    bands.push({ subtopology: st.id, title: `sub-topology ${st.id} · ${st.partitions} tasks`, x: MARGIN / 2, y: top, w: 0, h });
    top += h + BAND_GAP + GAP_Y;
  }
  const width = MARGIN * 2 + columnsUsed * (W + GAP_X) - GAP_X;
  for (const b of bands) b.w = width - MARGIN;
  const height = top - BAND_GAP - GAP_Y + MARGIN;

  const byId = new Map(nodes.map((n) => [n.id, n]));
  const wanted: Array<Omit<LayoutEdge, keyof EdgeRoute>> = flow.map((e) => ({ ...e, kind: 'flow' as const }));
  for (const sink of Object.values(p.nodes).filter((n) => n.kind === 'sink')) {
    for (const source of Object.values(p.nodes).filter((n) => n.kind === 'source' && n.topic === sink.topic))
      wanted.push({ from: sink.id, to: source.id, label: '', kind: 'topic' });
    // A table is materialised from the topic a sink writes.
    for (const s of Object.values(p.stores).filter((s) => s.fromTopic === sink.topic))
      wanted.push({ from: sink.id, to: `store:${s.id}`, label: '', kind: 'topic' });
  }
  for (const n of Object.values(p.nodes)) for (const s of n.stores) wanted.push({ from: n.id, to: `store:${s}`, label: '', kind: 'store' });
  const present = wanted.filter((e) => byId.has(e.from) && byId.has(e.to));
  const routes = routeEdges(present, byId, GRID);
  return { app: p.app, width, height, nodes, edges: present.map((e, i) => ({ ...e, ...routes[i]! })), bands };
}

/** Columns of one band: longest path from its sources over its flow edges, then barycenter order. */
function bandColumns(st: SubTopology, flow: Array<{ from: string; to: string }>): string[][] {
  const inBand = new Set(st.nodes);
  const edges = flow.filter((e) => inBand.has(e.from) && inBand.has(e.to));
  const layer = new Map(st.nodes.map((id) => [id, 0]));
  // st.nodes is in topological order: one pass settles the longest path.
  for (const id of st.nodes) for (const e of edges) if (e.from === id) layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(id)! + 1));
  const columns: string[][] = [];
  for (const id of st.nodes) (columns[layer.get(id)!] ??= []).push(id);
  for (let c = 0; c < columns.length; c++) columns[c] ??= [];
  const preds = new Map<string, string[]>();
  for (const e of edges) preds.set(e.to, [...(preds.get(e.to) ?? []), e.from]);
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
  return columns;
}
