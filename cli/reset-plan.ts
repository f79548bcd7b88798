/**
 * What `aura reset` does, as data first: in the spirit of Kafka Streams'
 * `kafka-streams-application-reset`, a reset
 *   1. moves the group's committed offsets of the app's input topics (to the
 *      earliest offset, to a time, or by a shift); topics the app writes
 *      itself and also reads (intermediate topics) go to their end, because
 *      reprocessing the inputs writes them again;
 *   2. deletes the app's internal topics — the stores' changelogs, the
 *      gateway's instance registry and the deployment record — and creates
 *      the changelogs again, empty, so instances start without `aura topics
 *      apply` (the others are created by the instances themselves);
 *   3. wipes the local state of the app under the state directory
 *      (`<state_dir>/<app>/`: one SQLite database per task).
 * It refuses while the group has members: they would keep committing and
 * writing state. `planReset` only reads; `executeReset` does it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { isTaskStateInUse } from '../runtime/store-reader.js';
import { topicConfig } from '../runtime/topics-plan.js';
import { formatDuration } from '../schemas/duration.js';
import { gatewayRegistryTopic } from '../topology/describe/topic-usage.js';
import type { Pipeline } from '../topology/model.js';
import { deploymentsTopic } from '../topology/plan/deployment.js';
import type { Admin, GroupDescription, OffsetSpec, TopicConfig } from '../transports/types.js';

export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'datetime'; at: number }
  | { kind: 'duration'; ms: number }
  | { kind: 'shift'; by: number };

export interface OffsetMove {
  topic: string;
  partition: number;
  /** The committed offset now; -1 when the group never committed one. */
  current: number;
  target: number;
  role: 'input' | 'intermediate';
}

export interface ResetPlan {
  app: string;
  target: ResetTarget;
  group: GroupDescription;
  offsets: OffsetMove[];
  /** Internal topics that exist and are deleted. */
  deleteTopics: string[];
  /** Changelogs created again, empty, after the delete. */
  recreateTopics: TopicConfig[];
  /** The app's local state directory, when it exists. */
  stateDir: string;
  stateTasks: string[];
  /** Only wipe the local state (the other machines of a reset app): offsets and topics stay. */
  localOnly: boolean;
}

/** Physical topics the app's group reads, each marked input or intermediate (also written by the app). */
export function groupTopics(pipeline: Pipeline): Array<{ name: string; partitions: number; role: OffsetMove['role'] }> {
  const read = new Set(pipeline.subtopologies.flatMap((st) => [...st.sourceTopics, ...st.tableTopics]));
  const written = new Set(pipeline.subtopologies.flatMap((st) => st.sinkTopics));
  return [...read].sort().map((id) => {
    const t = pipeline.topics[id]!;
    return { name: t.name, partitions: t.partitions, role: written.has(id) ? 'intermediate' : 'input' };
  });
}

export async function planReset(
  pipeline: Pipeline,
  admin: Admin,
  stateDir: string,
  target: ResetTarget,
  now = Date.now(),
  localOnly = false,
): Promise<ResetPlan> {
  const group = await admin.describeGroup(pipeline.app);
  const existing = new Set((await admin.listTopics()).map((t) => t.name));
  const topics = groupTopics(pipeline).filter((t) => existing.has(t.name));
  const tps = topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition, role: t.role })));
  const [current, earliest, latest] = await Promise.all([
    admin.groupOffsets(pipeline.app, tps),
    admin.offsetsFor(tps, 'earliest'),
    admin.offsetsFor(tps, 'latest'),
  ]);
  const spec: OffsetSpec | undefined =
    target.kind === 'datetime' ? { timestamp: target.at } : target.kind === 'duration' ? { timestamp: now - target.ms } : undefined;
  const atTime = spec
    ? await admin.offsetsFor(
        tps.filter((tp) => tp.role === 'input'),
        spec,
      )
    : [];
  const key = (tp: { topic: string; partition: number }) => `${tp.topic}\0${tp.partition}`;
  const byKey = (list: Array<{ topic: string; partition: number; offset: number }>) => new Map(list.map((o) => [key(o), o.offset]));
  const [cur, lo, hi, at] = [byKey(current), byKey(earliest), byKey(latest), byKey(atTime)];
  const offsets = tps.map((tp): OffsetMove => {
    const k = key(tp);
    const [c, min, max] = [cur.get(k) ?? -1, lo.get(k)!, hi.get(k)!];
    let t: number;
    if (tp.role === 'intermediate' || target.kind === 'latest') t = max;
    else if (target.kind === 'earliest') t = min;
    else if (target.kind === 'shift') t = (c >= 0 ? c : min) + target.by;
    else t = at.get(k)!;
    return { topic: tp.topic, partition: tp.partition, current: c, target: Math.min(max, Math.max(min, t)), role: tp.role };
  });
  const internal = Object.values(pipeline.topics).filter((t) => t.internal);
  const deleteTopics = [...internal.map((t) => t.name), ...bookkeepingTopics(pipeline)].filter((n) => existing.has(n));
  const appDir = path.join(stateDir, pipeline.app);
  const stateTasks = fs.existsSync(appDir) ? fs.readdirSync(appDir).sort() : [];
  return { app: pipeline.app, target, group, offsets, deleteTopics, recreateTopics: internal.map(topicConfig), stateDir: appDir, stateTasks, localOnly };
}

/**
 * Internal topics outside the pipeline's own: the gateway's instance registry, and the deployment
 * record that `aura run`/`aura serve` keep (`<app>-deployments`, runtime/deployment-record.ts): a
 * reset app has no deployment behind it.
 */
export function bookkeepingTopics(pipeline: Pipeline): string[] {
  return [gatewayRegistryTopic(pipeline), deploymentsTopic(pipeline.app)];
}

/** The group must be empty; otherwise a GROUP_ACTIVE error that names the members. */
export function assertGroupEmpty(plan: ResetPlan): void {
  const { group } = plan;
  if (group.members.length === 0 && (group.state === 'empty' || group.state === 'dead')) return;
  const members = group.members.map((m) => `  ${m.instanceId ?? m.clientId} (${m.host}${m.instanceId ? `, static member ${m.memberId}` : ''})`).join('\n');
  const statics = group.members.some((m) => m.instanceId);
  throw new AuraError(
    ErrorCodes.GROUP_ACTIVE,
    `group ${group.groupId} is ${group.state} with ${group.members.length} member(s); stop every instance of ${plan.app} first:\n${members}\n` +
      (statics
        ? 'Static members (AURA_INSTANCE_ID) stay in the group for the session timeout after they stop; wait that long, then run the reset again.\n'
        : ''),
    { details: { members: group.members.map((m) => m.instanceId ?? m.clientId) } },
  );
}

function describeTarget(t: ResetTarget): string {
  switch (t.kind) {
    case 'earliest':
      return 'to the earliest offset';
    case 'latest':
      return 'to the latest offset (skip everything)';
    case 'datetime':
      return `to the first record at or after ${new Date(t.at).toISOString()}`;
    case 'duration':
      return `to the first record of the last ${formatDuration(t.ms)}`;
    case 'shift':
      return `shifted by ${t.by > 0 ? '+' : ''}${t.by}`;
  }
}

export function formatResetPlan(plan: ResetPlan, execute: boolean): string {
  const lines = [`reset of ${plan.app}: ${execute ? 'executing' : 'dry run (nothing changes; add --execute)'}`];
  lines.push(`group ${plan.group.groupId}: ${plan.group.state}, ${plan.group.members.length} member(s)`);
  if (plan.localOnly) {
    lines.push('1.-2. offsets and topics: left as they are (--local-only)');
    lines.push(
      `3. wipe local state ${plan.stateDir}: ${plan.stateTasks.length ? `${plan.stateTasks.length} task(s) (${plan.stateTasks.join(', ')})` : '(nothing there)'}`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(`1. committed offsets, inputs ${describeTarget(plan.target)}; intermediate topics (written by the app) to their end:`);
  for (const o of plan.offsets) {
    const delta = o.current >= 0 ? ` (${o.target - o.current >= 0 ? '+' : ''}${o.target - o.current})` : '';
    lines.push(
      `   ${o.topic}[${o.partition}] ${o.role === 'intermediate' ? '(intermediate) ' : ''}${o.current >= 0 ? o.current : 'none'} → ${o.target}${delta}`,
    );
  }
  if (plan.offsets.length === 0) lines.push('   (the input topics do not exist: nothing to move)');
  lines.push(`2. delete internal topics: ${plan.deleteTopics.length ? plan.deleteTopics.join(', ') : '(none exist)'}`);
  lines.push(`   and create the changelogs again, empty: ${plan.recreateTopics.length ? plan.recreateTopics.map((t) => t.name).join(', ') : '(none)'}`);
  lines.push(
    `3. wipe local state ${plan.stateDir}: ${plan.stateTasks.length ? `${plan.stateTasks.length} task(s) (${plan.stateTasks.join(', ')})` : '(nothing there)'}`,
  );
  return `${lines.join('\n')}\n`;
}

/** No task database of the app in this state directory may be open by a running process. */
export function assertStateUnused(plan: ResetPlan, stateDir: string): void {
  const busy = plan.stateTasks.filter((t) => isTaskStateInUse(stateDir, plan.app, t));
  if (busy.length > 0) {
    throw new AuraError(
      ErrorCodes.STATE_IN_USE,
      `the local state of task${busy.length > 1 ? 's' : ''} ${busy.join(', ')} in ${plan.stateDir} is open by a running process: stop it first`,
      {
        details: { tasks: busy },
      },
    );
  }
}

/**
 * Runs the plan; checks again first that the group is empty (someone may have started an
 * instance meanwhile) — not for --local-only, which runs while other machines' instances do —
 * and that no process here has the state open.
 */
export async function executeReset(plan: ResetPlan, admin: Admin, stateDir: string): Promise<void> {
  if (!plan.localOnly) assertGroupEmpty({ ...plan, group: await admin.describeGroup(plan.group.groupId) });
  assertStateUnused(plan, stateDir);
  if (plan.localOnly) {
    fs.rmSync(plan.stateDir, { recursive: true, force: true });
    return;
  }
  await admin.setGroupOffsets(
    plan.group.groupId,
    plan.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.target })),
  );
  if (plan.deleteTopics.length > 0) await admin.deleteTopics(plan.deleteTopics);
  await recreateTopics(admin, plan.recreateTopics);
  fs.rmSync(plan.stateDir, { recursive: true, force: true });
}

/** Kafka may still be finishing a delete when the create arrives ("already exists"): try again for a while. */
async function recreateTopics(admin: Admin, topics: TopicConfig[], timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const left = new Set((await admin.listTopics()).map((t) => t.name));
    const missing = topics.filter((t) => !left.has(t.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics(missing);
      return;
    } catch (err) {
      if (!(err instanceof AuraError && err.code === ErrorCodes.TOPIC_EXISTS) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
