/**
 * Edge paths of the topology page (SVG `d` strings) that never cross a node.
 * Nodes sit on a grid (layout.ts) whose column and row gaps are empty, so:
 *  - a flow edge to the next column is a curve inside the gap between them;
 *  - a store edge leaves its node on the left, runs down the gap left of the
 *    column and enters the store from the left;
 *  - anything else (topics between bands, edges skipping columns, a store
 *    used from another column) runs orthogonally: right into the gap after
 *    its column, along the row gap above its target, down the gap before the
 *    target's column, into the target.
 * Edges sharing a gap get their own lane, and edges leaving or entering one
 * side of a node their own port, so lines and port labels stay apart.
 */
export interface EdgeRoute {
  d: string;
  /** Where the port label starts (text-anchor start), when the edge has one. */
  labelAt?: { x: number; y: number };
}

interface Box {
  id: string;
  kind: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Grid {
  W: number;
  H: number;
  STORE_H: number;
  GAP_X: number;
  GAP_Y: number;
  MARGIN: number;
}

interface EdgeIn {
  from: string;
  to: string;
  kind: 'flow' | 'topic' | 'store';
  label: string;
}

export function routeEdges(edges: EdgeIn[], byId: Map<string, Box>, g: Grid): EdgeRoute[] {
  const lanes = new Map<string, number>();
  const lane = (gap: string) => {
    const n = lanes.get(gap) ?? 0;
    lanes.set(gap, n + 1);
    return n;
  };
  const column = (b: Box) => Math.round((b.x - g.MARGIN) / (g.W + g.GAP_X));
  const rowTop = (b: Box) => (b.kind === 'store' ? b.y - (g.H - g.STORE_H) / 2 : b.y);
  // Ports: the edges leaving a node's right side, and entering its left side, spread over its height.
  const outs = new Map<string, number[]>();
  const ins = new Map<string, number[]>();
  edges.forEach((e, i) => {
    if (e.kind === 'store' && sameColumnBelow(byId.get(e.from)!, byId.get(e.to)!, column)) return;
    outs.set(e.from, [...(outs.get(e.from) ?? []), i]);
    ins.set(e.to, [...(ins.get(e.to) ?? []), i]);
  });
  const portY = (side: Map<string, number[]>, id: string, i: number, other: (i: number) => Box) => {
    const b = byId.get(id)!;
    const list = [...(side.get(id) ?? [i])].sort((a, c) => other(a).y - other(c).y || a - c);
    return b.y + (b.h * (list.indexOf(i) + 1)) / (list.length + 1);
  };
  const storeLanes = new Map<string, number>();
  return edges.map((e, i): EdgeRoute => {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    if (e.kind === 'store' && sameColumnBelow(a, b, column)) {
      const k = storeLanes.get(a.id) ?? 0;
      storeLanes.set(a.id, k + 1);
      const sy = a.y + a.h - 10 - k * 8;
      const gx = a.x - 10 - k * 8;
      const ey = b.y + b.h / 2;
      return { d: `M${a.x},${sy} H${gx} V${ey} H${b.x}` };
    }
    const sx = a.x + a.w;
    const sy = portY(outs, e.from, i, (j) => byId.get(edges[j]!.to)!);
    const ex = b.x;
    const ey = portY(ins, e.to, i, (j) => byId.get(edges[j]!.from)!);
    const labelAt = e.label ? { x: sx + 6, y: sy - 5 } : undefined;
    if (e.kind === 'flow' && column(b) === column(a) + 1 && Math.abs(a.y - b.y) < 2000) {
      const mx = (sx + ex) / 2;
      return { d: `M${sx},${sy} C${mx},${sy} ${mx},${ey} ${ex},${ey}`, labelAt };
    }
    const gx1 = sx + 14 + (lane(`c${column(a)}`) % 6) * 12;
    const gy = rowTop(b) - g.GAP_Y / 2 + ((lane(`r${rowTop(b)}`) % 3) - 1) * 6;
    const leftGap = column(b) === 0 ? g.MARGIN : g.GAP_X;
    const gx2 = ex - leftGap + 8 + (lane(`c${column(b) - 1}`) % Math.max(1, Math.floor((leftGap - 16) / 8))) * 8;
    return { d: `M${sx},${sy} H${gx1} V${gy} H${gx2} V${ey} H${ex}`, labelAt };
  });
}

/** A store right below its node, in the same column. */
function sameColumnBelow(a: Box, b: Box, column: (b: Box) => number): boolean {
  return b.kind === 'store' && column(a) === column(b) && b.y > a.y;
}
