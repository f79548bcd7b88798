/**
 * Topics the user declares (changelogs are the stores' business): added,
 * removed, changed — and what a new partition count or key does to the state
 * of the sub-topologies that read them.
 */

import { formatDuration } from '../../schemas/duration.js';
import type { TopicSpec } from '../model.js';
import { arrow, change, type DiffContext, finding, type PlanChange, type PlanFinding } from './changes.js';
import type { StoreLayout } from './layouts.js';

const userTopics = (topics: Record<string, TopicSpec>) => Object.values(topics).filter((t) => !t.internal);

export function diffTopics(ctx: DiffContext): PlanChange[] {
  const before = new Map(userTopics(ctx.before.pipeline.topics).map((t) => [t.id, t]));
  const after = new Map(userTopics(ctx.after.pipeline.topics).map((t) => [t.id, t]));
  const out: PlanChange[] = [];
  for (const t of after.values()) {
    const old = before.get(t.id);
    if (!old)
      out.push(change('add', 'topic', t.id, `${t.name}: ${t.partitions} partitions, key ${t.key}${t.schema ? `, schema ${t.schema}` : ''}`, { loc: t.loc }));
    else {
      const changed = diffTopic(ctx, old, t);
      if (changed) out.push(changed);
    }
  }
  for (const t of before.values()) {
    if (!after.has(t.id))
      out.push(change('remove', 'topic', t.id, `${t.name} (no longer used; the topic and its records stay on the cluster)`, { loc: t.loc, deployed: true }));
  }
  return out;
}

function diffTopic(ctx: DiffContext, old: TopicSpec, t: TopicSpec): PlanChange | undefined {
  const parts: string[] = [];
  const field = (label: string, a: unknown, b: unknown) => {
    if (a !== b) parts.push(`${label} ${arrow(a, b)}`);
  };
  field('name', old.name, t.name);
  field('partitions', old.partitions, t.partitions);
  field('key', old.key, t.key);
  field('replication', old.replication, t.replication);
  field('retention', retention(old.retentionMs), retention(t.retentionMs));
  field('cleanup', old.cleanup, t.cleanup);
  field('delivery', old.delivery ?? 'transactional', t.delivery ?? 'transactional');
  if (parts.length === 0) return undefined;
  const c = change('change', 'topic', t.id, parts.join(', '), { loc: t.loc });
  if (t.partitions < old.partitions)
    c.findings.push(
      finding('TOPIC_PARTITIONS_DECREASED', `${t.name} has ${old.partitions} partitions; Kafka cannot remove partitions (\`aura topics apply\` refuses)`, {
        todo: `keep partitions: ${old.partitions}, or move to a new topic (a new name) and let the old one drain`,
        discards: `nothing is removed: ${t.name} keeps its ${old.partitions} partitions on the cluster, so the pipeline would not match its topic`,
      }),
    );
  if (t.partitions !== old.partitions) repartition(ctx, c, old, t, 'partitions');
  if (t.key !== old.key) repartition(ctx, c, old, t, 'key');
  if (t.name !== old.name)
    c.findings.push(
      finding(
        'TOPIC_RENAMED',
        `the id "${t.id}" now names ${t.name}: records of ${old.name} are not read any more (they stay on the cluster), readers of ${t.name} start at its beginning`,
      ),
    );
  return c;
}

const retention = (ms: number) => (ms < 0 ? 'forever' : formatDuration(ms));

/** What a new partition count or key means for the state partitioned by this topic. */
function repartition(ctx: DiffContext, c: PlanChange, old: TopicSpec, t: TopicSpec, what: 'partitions' | 'key'): void {
  const stateful = Object.values(ctx.before.layouts).filter((l) => l.topics.includes(t.id) && ctx.after.layouts[l.store]);
  const how = what === 'partitions' ? `${old.partitions} partitions; with ${t.partitions}` : `key "${old.key}"; keyed by "${t.key}"`;
  if (stateful.length === 0) {
    if (what === 'partitions' && t.partitions > old.partitions)
      c.findings.push(
        finding('PARTITIONS_ADDED', `new records of a key may land on another partition than its earlier ones: per-key order across the change is not kept`),
      );
    return;
  }
  const logged = stateful.filter((l) => l.changelogTopic);
  const tables = stateful.filter((l) => !l.changelogTopic);
  for (const l of stateful) ctx.explained.add(l.store);
  const code = what === 'partitions' ? 'STATE_REPARTITIONED' : 'STATE_REKEYED';
  const subs = [...new Set(stateful.map((l) => l.subtopology))].join(', ');
  const todo: string[] = [`keep ${what === 'partitions' ? `partitions: ${old.partitions}` : `key: ${old.key}`}`];
  if (logged.length > 0) todo.push(`or reset ${names(logged)}: deploy with --allow-breaking (their changelogs and local state are deleted; they start empty)`);
  if (tables.length > 0)
    todo.push(`republish ${tables.map((l) => l.fromTopic).join(', ')} so its records sit where the new layout puts them (the table is rebuilt from it)`);
  const f: PlanFinding = finding(
    code,
    `${names(stateful)} (sub-topology ${subs}) hold${stateful.length === 1 ? 's' : ''} state partitioned by this topic's ${how}, keys go to tasks that do not have their state`,
    {
      todo: todo.join('; '),
      discards: discards(logged, tables),
    },
  );
  c.findings.push(f);
  c.reset.push(...logged.map((l) => l.store));
  if (tables.length > 0) c.rebuildLocal = true;
}

export function names(layouts: StoreLayout[]): string {
  const list = layouts.map((l) => `"${l.store}"`);
  return `store${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
}

export function discards(logged: StoreLayout[], tables: StoreLayout[] = []): string {
  const parts: string[] = [];
  if (logged.length > 0)
    parts.push(`the state of ${names(logged)} (changelog${logged.length > 1 ? 's' : ''} ${logged.map((l) => l.changelogTopic).join(', ')} and local files)`);
  if (tables.length > 0)
    parts.push(
      `the local rows of table${tables.length > 1 ? 's' : ''} ${tables.map((l) => `"${l.store}"`).join(', ')} (rebuilt from ${tables.map((l) => l.fromTopic).join(', ')})`,
    );
  return parts.join('; ');
}
