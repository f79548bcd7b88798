/**
 * Topics as code: the difference between the topics a pipeline needs
 * (partitions, replication, cleanup policy, retention) and what a cluster has,
 * and how to apply it. Only safe changes are applied — creating a topic,
 * raising a partition count. Everything else (fewer partitions, another
 * replication factor, a changelog that is not compacted) is refused with what
 * to do instead, like `terraform plan` refusing to destroy.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Pipeline, TopicSpec } from '../topology/model.js';
import type { Admin, TopicConfig, TopicDescription } from '../transports/types.js';

/** What a topic of the pipeline should look like on the cluster. */
export function topicConfig(topic: TopicSpec): TopicConfig {
  const config: Record<string, string> = { 'cleanup.policy': topic.cleanup };
  if (topic.cleanup !== 'compact') config['retention.ms'] = String(topic.retentionMs);
  return { name: topic.name, partitions: topic.partitions, replication: topic.replication, config };
}

export type TopicAction = 'create' | 'add_partitions' | 'unchanged' | 'refuse' | 'warn';

export interface TopicChange {
  topic: string;
  action: TopicAction;
  /** What differs (empty for `unchanged`). */
  reasons: string[];
  wanted: TopicConfig;
  current?: TopicDescription;
  /** Configs the cluster did not report (the client cannot read them): left unverified. */
  unverified: string[];
}

export interface TopicPlan {
  changes: TopicChange[];
  /** Something must be done by hand first: `apply` refuses the whole plan. */
  refused: boolean;
  /** `apply` would change the cluster. */
  pending: boolean;
}

export function planTopics(pipeline: Pipeline, existing: TopicDescription[]): TopicPlan {
  const byName = new Map(existing.map((t) => [t.name, t] as const));
  const changes = Object.values(pipeline.topics)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((spec) => planTopic(spec, byName.get(spec.name)));
  return {
    changes,
    refused: changes.some((c) => c.action === 'refuse'),
    pending: changes.some((c) => c.action === 'create' || c.action === 'add_partitions'),
  };
}

function planTopic(spec: TopicSpec, current: TopicDescription | undefined): TopicChange {
  const wanted = topicConfig(spec);
  if (!current) return { topic: spec.name, action: 'create', reasons: [describeWanted(wanted)], wanted, unverified: [] };
  const refuse: string[] = [];
  const warn: string[] = [];
  const unverified: string[] = [];
  let grow = false;
  if (current.partitions > wanted.partitions) {
    refuse.push(
      `has ${current.partitions} partitions, the pipeline declares ${wanted.partitions}: Kafka cannot remove partitions ` +
        `(set partitions: ${current.partitions} for this topic in the pipeline, or delete and re-create the topic, losing its data)`,
    );
  } else if (current.partitions < wanted.partitions) {
    grow = true;
  }
  if (current.replication !== wanted.replication) {
    refuse.push(
      `replication factor is ${current.replication}, the pipeline declares ${wanted.replication}: change it with a partition reassignment ` +
        `(kafka-reassign-partitions), or set replication: ${current.replication} in the pipeline`,
    );
  }
  const cleanup = current.config['cleanup.policy'];
  if (cleanup === undefined) unverified.push('cleanup.policy');
  else if (normalizePolicy(cleanup) !== normalizePolicy(wanted.config['cleanup.policy']!)) {
    const msg = `cleanup.policy is ${cleanup}, the pipeline needs ${wanted.config['cleanup.policy']}`;
    // A changelog or table that is not compacted loses state when retention deletes old segments.
    if (wanted.config['cleanup.policy']!.includes('compact'))
      refuse.push(
        `${msg} (alter it: kafka-configs --alter --entity-type topics --entity-name ${spec.name} --add-config cleanup.policy=${wanted.config['cleanup.policy']})`,
      );
    else warn.push(msg);
  }
  if (wanted.config['retention.ms'] !== undefined) {
    const retention = current.config['retention.ms'];
    if (retention === undefined) unverified.push('retention.ms');
    else if (retention !== wanted.config['retention.ms']) warn.push(`retention.ms is ${retention}, the pipeline declares ${wanted.config['retention.ms']}`);
  }
  if (refuse.length > 0) return { topic: spec.name, action: 'refuse', reasons: [...refuse, ...warn], wanted, current, unverified };
  if (grow) {
    const reasons = [
      `partitions ${current.partitions} -> ${wanted.partitions} (existing keys keep their records on the old partitions; new records of a key may land elsewhere)`,
      ...warn,
    ];
    return { topic: spec.name, action: 'add_partitions', reasons, wanted, current, unverified };
  }
  if (warn.length > 0) return { topic: spec.name, action: 'warn', reasons: warn, wanted, current, unverified };
  return { topic: spec.name, action: 'unchanged', reasons: [], wanted, current, unverified };
}

/** Kafka accepts `compact,delete` and `delete,compact` alike. */
function normalizePolicy(policy: string): string {
  return policy
    .split(',')
    .map((p) => p.trim())
    .sort()
    .join(',');
}

function describeWanted(t: TopicConfig): string {
  const parts = [`${t.partitions} partitions`, `replication ${t.replication}`, `cleanup.policy=${t.config['cleanup.policy']}`];
  if (t.config['retention.ms'] !== undefined) parts.push(`retention.ms=${t.config['retention.ms']}`);
  return parts.join(', ');
}

const SIGN: Record<TopicAction, string> = { create: '+', add_partitions: '~', unchanged: '=', refuse: '!', warn: '?' };

/** The plan as people read it: one line per topic, reasons indented below. */
export function formatPlan(plan: TopicPlan, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (c.action === 'unchanged' && !options.verbose && c.unverified.length === 0) continue;
    const label = { create: 'create', add_partitions: 'add partitions', unchanged: 'up to date', refuse: 'REFUSED', warn: 'differs' }[c.action];
    lines.push(`${SIGN[c.action]} ${c.topic}: ${label}`);
    for (const r of c.reasons) lines.push(`    ${r}`);
    if (c.unverified.length > 0) lines.push(`    not verified: ${c.unverified.join(', ')} (the cluster did not report it)`);
  }
  const count = (a: TopicAction) => plan.changes.filter((c) => c.action === a).length;
  lines.push(
    `${count('create')} to create, ${count('add_partitions')} to grow, ${count('unchanged')} up to date, ${count('warn')} differing, ${count('refuse')} refused`,
  );
  return `${lines.join('\n')}\n`;
}

/** Applies the safe changes. Refuses the whole plan when any change must be made by hand. */
export async function applyPlan(plan: TopicPlan, admin: Admin): Promise<{ created: string[]; grown: string[] }> {
  if (plan.refused) {
    const refused = plan.changes.filter((c) => c.action === 'refuse');
    throw new AuraError(ErrorCodes.TOPIC_UNSAFE_CHANGE, `refusing to apply: ${refused.map((c) => `${c.topic}: ${c.reasons[0]}`).join('; ')}`, {
      details: { topics: refused.map((c) => c.topic) },
    });
  }
  const create = plan.changes.filter((c) => c.action === 'create').map((c) => c.wanted);
  const grow = plan.changes.filter((c) => c.action === 'add_partitions');
  if (create.length > 0) {
    try {
      await admin.createTopics(create);
    } catch (err) {
      // Someone created one meanwhile: the others were created; re-plan to see where things stand.
      if (!(err instanceof AuraError && err.code === ErrorCodes.TOPIC_EXISTS)) throw err;
    }
  }
  for (const c of grow) await admin.createPartitions(c.topic, c.wanted.partitions);
  return { created: create.map((t) => t.name), grown: grow.map((c) => c.topic) };
}
