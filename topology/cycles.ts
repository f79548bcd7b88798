/**
 * Records must not flow in a loop: not through in-memory edges, and not
 * through a topic that a node downstream of its reader writes back (an
 * infinite feedback loop). Table reads do not count: they never trigger
 * processing.
 */

import type { Diagnostics } from './diagnostics.js';
import type { Draft } from './draft.js';
import type { Input, Links } from './references.js';
import { nodeLabel } from './references.js';

interface Arc {
  from: string;
  to: string;
  /** The topic the records go through, for topic loops. */
  via?: string;
  input: Input;
}

export function checkCycles(draft: Draft, links: Links, diags: Diagnostics): void {
  const arcs = new Map<string, Arc[]>();
  const writers = new Map<string, string[]>();
  for (const out of links.outputs) writers.set(out.topic, [...(writers.get(out.topic) ?? []), out.node]);
  for (const input of links.inputs) {
    const sources =
      input.from.kind === 'node'
        ? [{ node: input.from.node }]
        : (writers.get(input.from.topic) ?? []).map((node) => ({ node, via: (input.from as { topic: string }).topic }));
    for (const source of sources) {
      const arc: Arc = { from: source.node, to: input.node, via: 'via' in source ? source.via : undefined, input };
      arcs.set(arc.from, [...(arcs.get(arc.from) ?? []), arc]);
    }
  }
  const order = [...draft.nodes.values()].sort((a, b) => a.index - b.index).map((n) => n.id);
  for (const component of stronglyConnected(order, arcs)) {
    const start = component[0];
    const cycle = findCycle(start, new Set(component), arcs);
    if (!cycle) continue;
    const node = draft.nodes.get(start)!;
    const steps = cycle.map((arc) => `${arc.via ? ` → (topic "${arc.via}") → ` : ' → '}${arc.to}`).join('');
    // Point at the reference that closes the loop into the first node.
    diags.report('CYCLE', cycle[cycle.length - 1].input.ref.path, `${nodeLabel(node)} is part of a cycle: ${start}${steps}; records would loop forever`);
  }
}

/** Tarjan's algorithm; components (in declaration order) that contain a cycle. */
function stronglyConnected(order: string[], arcs: Map<string, Arc[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of arcs.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = (arcs.get(v) ?? []).some((a) => a.to === v);
    if (component.length > 1 || selfLoop) result.push(order.filter((id) => component.includes(id)));
  };
  for (const v of order) if (!index.has(v)) visit(v);
  return result.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
}

/** A shortest loop from `start` back to itself inside `component` (breadth-first). */
function findCycle(start: string, component: Set<string>, arcs: Map<string, Arc[]>): Arc[] | undefined {
  const queue: Array<{ at: string; path: Arc[] }> = [{ at: start, path: [] }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { at, path } = queue.shift()!;
    for (const arc of arcs.get(at) ?? []) {
      if (!component.has(arc.to)) continue;
      if (arc.to === start) return [...path, arc];
      if (seen.has(arc.to)) continue;
      seen.add(arc.to);
      queue.push({ at: arc.to, path: [...path, arc] });
    }
  }
  return undefined;
}
