/**
 * What `aura run` and `aura serve` do before the engine starts: compare the
 * pipeline with the recorded deployment (the same plan as `aura plan`),
 * refuse a breaking change unless allowed, carry out the reset an allowed one
 * needs — and, once the engine has started, record the new deployment.
 *
 * A reset is Kafka Streams' application reset done by the application: the
 * changelogs of the stores whose state the new layout cannot read are
 * deleted and re-created empty, and local state is dropped (it is a cache of
 * the changelogs and is restored from them). Other instances learn of it
 * through the copy of the deployment each keeps in its state directory — the
 * store layouts it last ran with: when those differ from the pipeline's, it
 * drops its local state too before starting. Stop every instance before deploying a breaking change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../common/canonical-json.js';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { TaskStateManager } from '../state/index.js';
import { defaultSchemasDir } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { severityOf } from '../topology/plan/changes.js';
import { buildDeployment, type Deployment } from '../topology/plan/deployment.js';
import { changeHeadline, discardedLines, findingLines } from '../topology/plan/format.js';
import { type StoreLayout, windowShape } from '../topology/plan/layouts.js';
import { type Plan, planDeployment } from '../topology/plan/plan.js';
import type { Transport } from '../transports/types.js';
import { readDeployment, readLocalCopy, recordDeployment, writeLocalCopy } from './deployment-record.js';
import { topicConfig } from './topics-plan.js';

export interface DeploymentCheckOptions {
  /** Go ahead with breaking changes (and reset what they need). */
  allowBreaking?: boolean;
  /** The instance's state directory (local state to drop, and the layout marker). */
  stateDir: string;
  schemasDir?: string;
  /** Topic ids clients publish to through the gateway. */
  clientTopics?: string[];
  recordedBy?: string;
}

export interface DeploymentCheck {
  plan: Plan;
  /** What the reset gave up (one line each), when breaking changes were allowed. */
  discarded: string[];
  /** Changelog topics deleted and re-created empty. */
  resetChangelogs: string[];
  /** Local task directories dropped (to be restored from the changelogs). */
  droppedTasks: string[];
  /**
   * Records the deployment (when it differs from the recorded one) and keeps its copy in the
   * state directory; true when a record was written. Call it once the engine has started: a
   * pipeline that never ran is not what is deployed.
   */
  record(): Promise<boolean>;
}

const DELETE_TIMEOUT_MS = 30_000;

/** Compares, refuses or resets; recording is left to `record()` (after a successful start). */
export async function checkDeployment(pipeline: Pipeline, transport: Transport, options: DeploymentCheckOptions): Promise<DeploymentCheck> {
  await transport.connect();
  const schemasDir = options.schemasDir ?? defaultSchemasDir(pipeline.file);
  const current = buildDeployment(pipeline, { schemasDir, clientTopics: options.clientTopics, recordedBy: options.recordedBy });
  const deployed = await readRecorded(transport, pipeline.app, options.allowBreaking);
  const plan = planDeployment(deployed, current, { schemasDir });
  let discarded: string[] = [];
  let resetChangelogs: string[] = [];
  let droppedTasks: string[] = [];
  if (plan.verdict === 'breaking') {
    if (!options.allowBreaking) throw refusal(plan);
    discarded = discardedLines(plan);
    resetChangelogs = await resetStoreChangelogs(pipeline, transport, plan.reset, deployed?.layouts ?? {});
    if (plan.rebuildLocal) droppedTasks = dropLocalState(options.stateDir, pipeline.app);
  }
  // The layouts this instance last ran with: its local state was written under them.
  const ranWith = localLayouts(options.stateDir, pipeline.app);
  if (droppedTasks.length === 0 && ranWith && layoutsMoved(ranWith, current.layouts)) droppedTasks = dropLocalState(options.stateDir, pipeline.app);
  const unchanged = deployed?.fingerprint === current.fingerprint;
  return {
    plan,
    discarded,
    resetChangelogs,
    droppedTasks,
    async record() {
      if (!unchanged) await recordDeployment(transport, current);
      writeLocalCopy(options.stateDir, unchanged && deployed ? deployed : current);
      return !unchanged;
    },
  };
}

/** checkDeployment and record() at once (for callers with nothing to start in between). */
export async function checkAndRecordDeployment(
  pipeline: Pipeline,
  transport: Transport,
  options: DeploymentCheckOptions,
): Promise<DeploymentCheck & { recorded: boolean }> {
  const check = await checkDeployment(pipeline, transport, options);
  return { ...check, recorded: await check.record() };
}

/** The recorded deployment. One that cannot be read (another aura's format, a foreign record) is replaced only when allowed. */
async function readRecorded(transport: Transport, app: string, allowBreaking?: boolean): Promise<Deployment | undefined> {
  try {
    return await readDeployment(transport, app);
  } catch (err) {
    if (!(err instanceof AuraError && err.code === ErrorCodes.DESERIALIZATION)) throw err;
    if (allowBreaking) return undefined;
    throw new AuraError(
      ErrorCodes.DEPLOYMENT_BREAKING,
      `${err.message}\nWhat is deployed is unknown. Start with --allow-breaking to deploy anyway (the record is replaced; nothing is reset).`,
      { cause: err },
    );
  }
}

function refusal(plan: Plan): AuraError {
  const lines: string[] = [];
  for (const c of plan.changes.filter((x) => severityOf(x) === 'breaking')) {
    lines.push(changeHeadline(c));
    for (const f of c.findings.filter((x) => x.severity === 'breaking')) lines.push(...findingLines(f, c));
  }
  const since = plan.deployed ? ` recorded ${plan.deployed.recordedAt} by ${plan.deployed.recordedBy}` : '';
  return new AuraError(
    ErrorCodes.DEPLOYMENT_BREAKING,
    `refusing to deploy: breaking changes against the deployment of ${plan.app}${since}:\n${lines.join('\n')}\n` +
      `Nothing was changed. \`aura plan\` shows the whole plan. To deploy anyway, stop every instance and start with --allow-breaking; it discards:\n${discardedLines(plan).join('\n')}`,
    { details: { codes: [...new Set(plan.changes.flatMap((c) => c.findings.filter((f) => f.severity === 'breaking').map((f) => f.code)))] } },
  );
}

/** Deletes the changelogs of `stores` (as deployed and as declared now) and re-creates the pipeline's ones empty. */
async function resetStoreChangelogs(pipeline: Pipeline, transport: Transport, stores: string[], deployed: Record<string, StoreLayout>): Promise<string[]> {
  const admin = transport.admin();
  const wanted = stores.map((s) => pipeline.topics[`${s}-changelog`]).filter((t) => t !== undefined);
  const names = new Set([...wanted.map((t) => t.name), ...stores.map((s) => deployed[s]?.changelogTopic).filter((n): n is string => Boolean(n))]);
  const existing = new Set((await admin.listTopics()).map((t) => t.name));
  const doomed = [...names].filter((n) => existing.has(n));
  if (doomed.length > 0) await admin.deleteTopics(doomed);
  // Kafka deletes asynchronously: wait until the names are free before re-creating them.
  const deadline = Date.now() + DELETE_TIMEOUT_MS;
  while (doomed.length > 0) {
    const left = new Set((await admin.listTopics()).map((t) => t.name));
    if (!doomed.some((n) => left.has(n))) break;
    if (Date.now() > deadline)
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `deleted changelogs ${doomed.join(', ')} are still listed after ${DELETE_TIMEOUT_MS / 1000} s`, {
        retriable: true,
      });
    await new Promise((r) => setTimeout(r, 250));
  }
  let pending = wanted;
  for (let attempt = 1; pending.length > 0; attempt++) {
    try {
      await admin.createTopics(pending.map(topicConfig));
      break;
    } catch (err) {
      if (!(err instanceof AuraError && err.code === ErrorCodes.TOPIC_EXISTS)) throw err;
      // The others were created. A broker may still be finishing the deletion ("marked for deletion"): retry those.
      const exists = new Set(Array.isArray(err.details?.topics) ? (err.details.topics as string[]) : []);
      pending = pending.filter((t) => exists.has(t.name));
      if (attempt >= 20) break; // it exists: someone (another instance) created it
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return [...names].sort();
}

/** Drops every local task directory of the app (`<stateDir>/<app>/<subtopology>_<partition>`); returns their task ids. */
function dropLocalState(stateDir: string, app: string): string[] {
  const dir = path.join(stateDir, app);
  if (!fs.existsSync(dir)) return [];
  const tasks = fs
    .readdirSync(dir)
    .filter((name) => /^\d+_\d+$/.test(name) && fs.statSync(path.join(dir, name)).isDirectory())
    .sort();
  for (const task of tasks) TaskStateManager.wipe(stateDir, app, task);
  return tasks;
}

/** What local state depends on, per store. */
function stateShape(l: StoreLayout): string {
  const { kind, subtopology, partitions, partitionKeys, groupBy, aggregations, preset, changelogTopic, fromTopic } = l;
  return canonicalJson({
    kind,
    subtopology,
    partitions,
    partitionKeys,
    groupBy,
    aggregations,
    preset,
    changelogTopic,
    fromTopic,
    window: windowShape(l.window),
  });
}

function localLayouts(stateDir: string, app: string): Record<string, StoreLayout> | undefined {
  try {
    return readLocalCopy(stateDir, app)?.layouts;
  } catch {
    return undefined; // unreadable copy (another format): nothing to compare with
  }
}

/** A store this instance holds state of now has another layout. */
function layoutsMoved(ranWith: Record<string, StoreLayout>, layouts: Record<string, StoreLayout>): boolean {
  return Object.values(layouts).some((l) => ranWith[l.store] !== undefined && stateShape(ranWith[l.store]) !== stateShape(l));
}
