/**
 * Processors and joins: added, removed, rewired, reconfigured — and what their
 * config means for the state they keep: a window of another size, another
 * grouping key, an aggregation folding something else, a move to another
 * sub-topology (other task ids), a join whose topics were re-partitioned.
 */

import { sameJson } from '../../common/canonical-json.js';
import { formatDuration } from '../../schemas/duration.js';
import type { NodeSpec, Pipeline } from '../model.js';
import { arrow, change, type DiffContext, finding, type PlanChange } from './changes.js';
import { discards, names } from './diff-topics.js';
import { type StoreLayout, type WindowLayout, windowShape } from './layouts.js';

const isUserNode = (n: NodeSpec) => n.kind === 'processor' || n.kind === 'join';

export function diffNodes(ctx: DiffContext): PlanChange[] {
  const before = ctx.before.pipeline;
  const after = ctx.after.pipeline;
  const out: PlanChange[] = [];
  for (const n of Object.values(after.nodes).filter(isUserNode)) {
    const old = before.nodes[n.id];
    if (!old || !isUserNode(old)) out.push(change('add', n.kind as 'processor' | 'join', n.id, `${n.type} ${wiring(after, n)}`, { loc: n.loc }));
    else {
      const c = diffNode(ctx, old, n);
      if (c) out.push(c);
    }
  }
  for (const n of Object.values(before.nodes).filter(isUserNode)) {
    if (!after.nodes[n.id]) out.push(change('remove', n.kind as 'processor' | 'join', n.id, `${n.type} ${wiring(before, n)}`, { loc: n.loc, deployed: true }));
  }
  return out;
}

/** `from a, b to c`: what a node reads and the topics it writes, by id (not who reads it: that is the readers' change). */
function wiring(p: Pipeline, n: NodeSpec): string {
  const label = (id: string) => p.nodes[id]?.topic ?? id;
  const from = p.edges.filter((e) => e.to === n.id).map((e) => (e.port === 'default' ? label(e.from) : `${e.from}.${e.port}`));
  const to = p.edges.filter((e) => e.from === n.id && p.nodes[e.to]?.kind === 'sink').map((e) => label(e.to));
  return `from ${from.join(', ') || '(nothing)'}${to.length > 0 ? ` to ${[...new Set(to)].join(', ')}` : ''}`;
}

const subtopologyOf = (p: Pipeline, id: string) => p.subtopologies.find((st) => st.nodes.includes(id));

function diffNode(ctx: DiffContext, old: NodeSpec, n: NodeSpec): PlanChange | undefined {
  const before = ctx.before.pipeline;
  const after = ctx.after.pipeline;
  const parts: string[] = [];
  if (old.type !== n.type) parts.push(`type ${arrow(old.type, n.type)}`);
  if (wiring(before, old) !== wiring(after, n)) parts.push(`${wiring(before, old)} -> ${wiring(after, n)}`);
  const keys = [...new Set([...Object.keys(old.config), ...Object.keys(n.config)])].filter((k) => !sameJson(old.config[k], n.config[k]));
  if (keys.length > 0) parts.push(`config ${keys.map((k) => `${k} ${arrow(old.config[k], n.config[k])}`).join(', ')}`);
  if (!sameJson(old.join ?? null, n.join ?? null)) parts.push(`join ${arrow(joinText(old), joinText(n))}`);
  if (old.onError !== n.onError) parts.push(`on_error ${arrow(old.onError, n.onError)}`);
  if (old.concurrency !== n.concurrency) parts.push(`concurrency ${arrow(old.concurrency, n.concurrency)}`);
  const stA = subtopologyOf(before, old.id);
  const stB = subtopologyOf(after, n.id);
  const moved = stA && stB && stA.id !== stB.id;
  if (moved) parts.push(`sub-topology ${arrow(stA.id, stB.id)}`);
  const copartition = brokenCopartitioning(ctx, n);
  if (parts.length === 0 && copartition.length === 0) return undefined;
  const c = change('change', n.kind as 'processor' | 'join', n.id, parts.join('; ') || 'reads re-partitioned topics', { loc: n.loc });
  // The state this node keeps, as deployed and as it would be.
  const kept = n.stores
    .map((s) => [ctx.before.layouts[s], ctx.after.layouts[s]] as const)
    .filter((p): p is [StoreLayout, StoreLayout] => Boolean(p[0] && p[1]));
  const reset = (layouts: StoreLayout[]) => {
    c.reset.push(...layouts.filter((l) => l.changelogTopic).map((l) => l.store));
    c.rebuildLocal = true;
  };
  const lost = (layouts: StoreLayout[]) =>
    discards(
      layouts.filter((l) => l.changelogTopic),
      layouts.filter((l) => !l.changelogTopic),
    );

  if (old.type !== n.type && kept.length > 0) {
    const stores = kept.map(([a]) => a);
    c.findings.push(
      finding('NODE_TYPE_CHANGED', `${names(stores)} hold${stores.length === 1 ? 's' : ''} values written by a ${old.type} processor`, {
        todo: `give the ${n.type} processor a new store`,
        discards: lost(stores),
      }),
    );
    reset(stores);
  }
  const windowed = kept.filter(([a, b]) => windowShape(a.window) !== windowShape(b.window));
  if (windowed.length > 0) {
    const [a, b] = windowed[0];
    const stores = windowed.map(([x]) => x);
    c.findings.push(
      finding(
        'WINDOW_CHANGED',
        `window ${windowText(a.window)} -> ${windowText(b.window)}: ${names(stores)} hold${stores.length === 1 ? 's' : ''} windows with the old bounds, which the new window would misread`,
        {
          todo: 'keep the window; or keep this processor and add one with the new window and a new store (and a new output topic if readers must not mix both)',
          discards: lost(stores),
        },
      ),
    );
    reset(stores);
  }
  const regrouped = kept.filter(([a, b]) => a.groupBy !== b.groupBy);
  if (regrouped.length > 0) {
    const [a, b] = regrouped[0];
    const stores = regrouped.map(([x]) => x);
    c.findings.push(
      finding(
        'STATE_REKEYED',
        `grouping key ${arrow(a.groupBy ?? '(the record key)', b.groupBy ?? '(the record key)')}: ${names(stores)} hold${stores.length === 1 ? 's' : ''} aggregates filed under the old key`,
        { todo: 'keep the key; or add a processor with the new key and its own store', discards: lost(stores) },
      ),
    );
    reset(stores);
  }
  const refolded = kept.filter(([a, b]) => changedAggregations(a, b).length > 0 || a.preset !== b.preset);
  if (refolded.length > 0) {
    const [a, b] = refolded[0];
    const which = changedAggregations(a, b);
    const what =
      which.length > 0 ? which.map((k) => `"${k}" ${arrow(a.aggregations?.[k], b.aggregations?.[k])}`).join(', ') : `preset ${arrow(a.preset, b.preset)}`;
    const stores = refolded.map(([x]) => x);
    c.findings.push(
      finding('AGGREGATION_CHANGED', `${what}: the stored accumulators were folded by the old definition`, {
        todo: 'give a changed aggregation a new name (new names start from nothing; old ones are ignored)',
        discards: lost(stores),
      }),
    );
    reset(stores);
  }
  if (moved && stA && stB) {
    const stateful = kept.map(([, b]) => b);
    const tasks = (id: number, partitions: number) => `${id}_0..${id}_${partitions - 1}`;
    const msg = `its tasks move from ${tasks(stA.id, stA.partitions)} to ${tasks(stB.id, stB.partitions)}`;
    if (stateful.length > 0) {
      c.findings.push(
        finding('TASKS_MOVED', `${msg}: the local state of ${names(stateful)} is filed under the old task ids`, {
          todo: 'keep the numbering: sub-topologies are numbered in data-flow order, ties by YAML order — declare new processors after the existing ones; or deploy with --allow-breaking (local state is rebuilt from the changelogs; stores without one start empty)',
          discards: `the local state files of the moved tasks (restored from the changelogs${stateful.some((l) => !l.changelogTopic && !l.fromTopic) ? '; stores without a changelog start empty' : ''})`,
        }),
      );
      c.rebuildLocal = true;
    } else c.findings.push(finding('TASKS_RENUMBERED', `${msg}; it keeps no state`));
  }
  for (const f of copartition) c.findings.push(f.finding), reset(f.stores);
  return c;
}

function joinText(n: NodeSpec): string {
  if (!n.join) return '(none)';
  const w = n.join.windowSizeMs !== undefined ? ` window ${formatDuration(n.join.windowSizeMs)} grace ${formatDuration(n.join.graceMs ?? 0)}` : '';
  return `${n.join.kind} ${n.join.left} x ${n.join.right}${w}`;
}

function windowText(w: WindowLayout | undefined): string {
  if (!w) return '(none)';
  const ms = (x: number | undefined, label: string) => (x === undefined ? '' : ` ${label} ${formatDuration(x)}`);
  return `${w.type}${ms(w.sizeMs, 'size')}${ms(w.advanceMs, 'advance')}${ms(w.gapMs, 'gap')}`;
}

function changedAggregations(a: StoreLayout, b: StoreLayout): string[] {
  const before = a.aggregations ?? {};
  const after = b.aggregations ?? {};
  return Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
}

/** A join whose topics changed partition count or key: what is on the log sits where the old layout put it. */
function brokenCopartitioning(ctx: DiffContext, n: NodeSpec): Array<{ finding: ReturnType<typeof finding>; stores: StoreLayout[] }> {
  if (n.kind !== 'join') return [];
  const st = subtopologyOf(ctx.after.pipeline, n.id);
  if (!st) return [];
  const out = [];
  for (const id of [...new Set([...st.sourceTopics, ...st.tableTopics])]) {
    const a = ctx.before.pipeline.topics[id];
    const b = ctx.after.pipeline.topics[id];
    if (!a || !b || (a.partitions === b.partitions && a.key === b.key)) continue;
    const stores = n.stores.map((s) => ctx.before.layouts[s]).filter((l): l is StoreLayout => Boolean(l && ctx.after.layouts[l.store]));
    const how = a.partitions !== b.partitions ? `partitions ${arrow(a.partitions, b.partitions)}` : `key ${arrow(a.key, b.key)}`;
    const table = st.tableTopics.includes(id);
    const onLog = table
      ? `its table rows stay on the partitions the old layout chose`
      : `records already joined or waiting in the join window sit on the old partitions`;
    out.push({
      finding: finding(
        'JOIN_COPARTITIONING_BROKEN',
        `reads ${b.name} (${how}): ${onLog}, so a record may be looked up on a partition that does not hold its match`,
        {
          todo: table
            ? `keep ${a.partitions !== b.partitions ? `partitions: ${a.partitions}` : `key: ${a.key}`} on both sides; or republish ${b.name} into the new layout before deploying`
            : `keep the old layout on both sides; or deploy with --allow-breaking (the join windows start empty)`,
          discards:
            stores.length > 0
              ? discards(
                  stores.filter((l) => l.changelogTopic),
                  stores.filter((l) => !l.changelogTopic),
                )
              : 'matches with records published before the change',
        },
      ),
      stores,
    });
  }
  return out;
}
