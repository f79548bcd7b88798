/**
 * Stores: added (start empty), removed or renamed (their state is orphaned),
 * changed in kind, partitioning, table source or logging. Windows, grouping
 * keys and aggregations are declared on the processor and reported there
 * (diff-nodes.ts).
 */

import { formatDuration } from '../../schemas/duration.js';
import type { StoreSpec } from '../model.js';
import { arrow, change, type DiffContext, finding, type PlanChange } from './changes.js';
import { discards } from './diff-topics.js';

export function diffStores(ctx: DiffContext): PlanChange[] {
  const before = ctx.before.pipeline.stores;
  const after = ctx.after.pipeline.stores;
  const out: PlanChange[] = [];
  const renamed = findRenames(ctx);
  for (const s of Object.values(after)) {
    const old = before[s.id];
    const from = renamed.get(s.id);
    if (from) out.push(renameChange(ctx, from, s));
    else if (!old) out.push(change('add', 'store', s.id, `${describe(s)} (starts empty${s.fromTopic ? `, filled from ${s.fromTopic}` : ''})`, { loc: s.loc }));
    else {
      const c = diffStore(ctx, old, s);
      if (c) out.push(c);
    }
  }
  const renamedFrom = new Set(renamed.values());
  for (const s of Object.values(before)) {
    if (after[s.id] || renamedFrom.has(s.id)) continue;
    const layout = ctx.before.layouts[s.id];
    const c = change('remove', 'store', s.id, describe(s), { loc: s.loc, deployed: true });
    if (s.changelogTopic)
      c.findings.push(
        finding('STORE_REMOVED', `its state is no longer used: the changelog ${s.changelogTopic} and the local files stay but nothing reads them`, {
          todo: `if the state is still wanted, keep the store (and a processor using it); otherwise delete the changelog once you are sure: kafka-topics --delete --topic ${s.changelogTopic}`,
          discards: layout ? discards([layout]) : `the state of store "${s.id}"`,
        }),
      );
    out.push(c);
  }
  return out;
}

function describe(s: StoreSpec): string {
  const parts: string[] = [s.kind];
  if (s.fromTopic) parts.push(`table of ${s.fromTopic}`);
  else parts.push(s.changelogTopic ? `changelog ${s.changelogTopic}` : 'no changelog');
  if (s.ttlMs !== undefined) parts.push(`ttl ${formatDuration(s.ttlMs)}`);
  return parts.join(', ');
}

/** A store that disappeared and one that appeared, of the same kind, used by the same processor: a rename. */
function findRenames(ctx: DiffContext): Map<string, string> {
  const added = Object.values(ctx.after.layouts).filter((l) => !ctx.before.pipeline.stores[l.store]);
  const removed = Object.values(ctx.before.layouts).filter((l) => !ctx.after.pipeline.stores[l.store]);
  const out = new Map<string, string>();
  for (const a of added) {
    const match = removed.find((r) => r.kind === a.kind && ![...out.values()].includes(r.store) && r.users.some((u) => a.users.some((v) => v.node === u.node)));
    if (match) out.set(a.store, match.store);
  }
  return out;
}

function renameChange(ctx: DiffContext, from: string, s: StoreSpec): PlanChange {
  const old = ctx.before.layouts[from]!;
  const users = old.users.filter((u) => ctx.after.layouts[s.id]?.users.some((v) => v.node === u.node)).map((u) => `"${u.node}"`);
  const c = change('change', 'store', s.id, `renamed from "${from}" (${describe(s)})`, { loc: s.loc });
  c.findings.push(
    finding(
      'STORE_RENAMED',
      `${users.join(', ')} now keep${users.length === 1 ? 's' : ''} state in "${s.id}", which starts empty: the state of "${from}"${old.changelogTopic ? ` (changelog ${old.changelogTopic})` : ''} is not carried over`,
      {
        todo: `keep the id "${from}" (a store's id names its changelog topic); a new id means new, empty state`,
        discards: discards(old.changelogTopic ? [old] : []) || `the local rows of store "${from}"`,
      },
    ),
  );
  c.rebuildLocal = true;
  return c;
}

function diffStore(ctx: DiffContext, old: StoreSpec, s: StoreSpec): PlanChange | undefined {
  const a = ctx.before.layouts[s.id];
  const b = ctx.after.layouts[s.id];
  const parts: string[] = [];
  if (old.kind !== s.kind) parts.push(`kind ${arrow(old.kind, s.kind)}`);
  if (old.ttlMs !== s.ttlMs) parts.push(`ttl ${arrow(ms(old.ttlMs), ms(s.ttlMs))}`);
  if (old.retentionMs !== s.retentionMs) parts.push(`retention ${arrow(ms(old.retentionMs), ms(s.retentionMs))}`);
  if (old.changelogTopic !== s.changelogTopic) parts.push(`changelog ${arrow(old.changelogTopic ?? 'off', s.changelogTopic ?? 'off')}`);
  if (a && b && a.fromTopic !== b.fromTopic) parts.push(`table of ${arrow(a.fromTopic, b.fromTopic)}`);
  // A repartitioning a topic change explains is reported at that topic (the line to edit).
  const own = !ctx.explained.has(s.id);
  if (own && a && b && a.partitions !== b.partitions) parts.push(`partitions ${arrow(a.partitions, b.partitions)}`);
  if (own && a && b && a.partitionKeys.join() !== b.partitionKeys.join()) parts.push(`partitioned by ${arrow(a.partitionKeys, b.partitionKeys)}`);
  if (parts.length === 0) return undefined;
  const c = change('change', 'store', s.id, parts.join(', '), { loc: s.loc });
  const reset = () => {
    if (s.changelogTopic) c.reset.push(s.id);
    c.rebuildLocal = true;
  };
  const lost = a ? discards(a.changelogTopic ? [a] : [], a.changelogTopic ? [] : [a]) : '';
  if (old.kind !== s.kind) {
    c.findings.push(
      finding('STORE_KIND_CHANGED', `rows stored as ${old.kind} cannot be read as ${s.kind}`, {
        todo: `keep kind: ${old.kind}, or use a new store id for the new kind`,
        discards: lost,
      }),
    );
    reset();
  }
  if (a && b && a.fromTopic !== b.fromTopic) {
    c.findings.push(
      finding('TABLE_SOURCE_CHANGED', `the local rows came from ${a.fromTopic}; the table is now filled from ${b.fromTopic}`, {
        todo: 'deploy with --allow-breaking: the local rows are dropped and the table is rebuilt from its new topic',
        discards: `the local rows of table "${s.id}"`,
      }),
    );
    c.rebuildLocal = true;
  }
  if (own && a && b && (a.partitions !== b.partitions || a.partitionKeys.join() !== b.partitionKeys.join())) {
    const code = a.partitions !== b.partitions ? 'STATE_REPARTITIONED' : 'STATE_REKEYED';
    c.findings.push(
      finding(
        code,
        `its sub-topology now reads ${b.topics.join(', ')} (${b.partitions} partitions, key ${b.partitionKeys.join(', ')}) instead of ${a.topics.join(', ')} (${a.partitions} partitions, key ${a.partitionKeys.join(', ')}): keys go to tasks that do not have their state`,
        {
          todo: `keep the store's readers on topics with the old partitioning, or deploy with --allow-breaking to reset "${s.id}"`,
          discards: lost,
        },
      ),
    );
    reset();
  }
  if ((old.changelogTopic === null) !== (s.changelogTopic === null) && !old.fromTopic && !s.fromTopic)
    c.findings.push(
      finding(
        'LOGGING_CHANGED',
        s.changelogTopic
          ? `the changelog ${s.changelogTopic} starts with the next writes: until every key is written again, a restore elsewhere misses older state`
          : `without a changelog the state lives only in this instance's local files: a restore elsewhere starts empty`,
      ),
    );
  return c;
}

const ms = (x: number | undefined) => (x === undefined ? undefined : formatDuration(x));
