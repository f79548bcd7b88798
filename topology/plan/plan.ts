/**
 * `aura plan`'s core: the changes between the deployed pipeline and the new
 * one, each safe or breaking, and what a breaking deploy resets. Pure: the
 * deployment records come in, a Plan goes out (reading and recording them is
 * runtime/deployment-record.ts).
 */
import type { Pipeline } from '../model.js';
import { type DiffContext, type PlanChange, severityOf } from './changes.js';
import type { Deployment } from './deployment.js';
import { diffNodes } from './diff-nodes.js';
import { diffResources } from './diff-resources.js';
import { diffSchemas } from './diff-schemas.js';
import { diffStores } from './diff-stores.js';
import { diffTopics } from './diff-topics.js';

export type PlanVerdict = 'none' | 'safe' | 'breaking';

export interface Plan {
  app: string;
  /** The deployment compared against; absent when none is recorded (everything is added). */
  deployed?: Pick<Deployment, 'recordedAt' | 'recordedBy' | 'file' | 'fingerprint'>;
  changes: PlanChange[];
  verdict: PlanVerdict;
  /** Stores whose changelog and local state a breaking deploy resets. */
  reset: string[];
  /** A breaking deploy drops this instance's local state (rebuilt from the changelogs). */
  rebuildLocal: boolean;
}

export interface PlanOptions {
  /** Directory of the new event schemas, to locate changed keywords. */
  schemasDir?: string;
}

const SUBJECT_ORDER = ['topic', 'store', 'resource', 'processor', 'join', 'schema'];

export function planDeployment(deployed: Deployment | undefined, current: Deployment, options: PlanOptions = {}): Plan {
  const before = deployed ?? emptyDeployment(current);
  const ctx: DiffContext = { before, after: current, schemasDir: options.schemasDir, explained: new Set() };
  const found =
    deployed?.fingerprint === current.fingerprint
      ? []
      : [...diffTopics(ctx), ...diffStores(ctx), ...diffResources(ctx), ...diffNodes(ctx), ...diffSchemas(ctx)];
  const changes = merge(found).sort(
    (a, b) =>
      SUBJECT_ORDER.indexOf(a.subject) - SUBJECT_ORDER.indexOf(b.subject) ||
      Number(a.deployed ?? false) - Number(b.deployed ?? false) ||
      (a.loc?.line ?? 0) - (b.loc?.line ?? 0) ||
      a.id.localeCompare(b.id),
  );
  const breaking = changes.filter((c) => severityOf(c) === 'breaking');
  return {
    app: current.app,
    ...(deployed
      ? { deployed: { recordedAt: deployed.recordedAt, recordedBy: deployed.recordedBy, file: deployed.file, fingerprint: deployed.fingerprint } }
      : {}),
    changes,
    verdict: breaking.length > 0 ? 'breaking' : changes.length > 0 ? 'safe' : 'none',
    reset: [...new Set(breaking.flatMap((c) => c.reset))].sort(),
    rebuildLocal: breaking.some((c) => c.rebuildLocal || c.reset.length > 0),
  };
}

/** `aura plan`'s exit code: 0 nothing to deploy, 1 only safe changes, 2 something breaking. */
export function planExitCode(plan: Plan): 0 | 1 | 2 {
  return plan.verdict === 'none' ? 0 : plan.verdict === 'safe' ? 1 : 2;
}

/** One entry per thing: a topic changed in its fields and in its schema is one change. */
function merge(changes: PlanChange[]): PlanChange[] {
  const byKey = new Map<string, PlanChange>();
  for (const c of changes) {
    const key = `${c.subject}:${c.id}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...c, findings: [...c.findings], reset: [...c.reset] });
    else {
      seen.summary = `${seen.summary}; ${c.summary}`;
      seen.findings.push(...c.findings);
      seen.reset = [...new Set([...seen.reset, ...c.reset])];
      seen.rebuildLocal ||= c.rebuildLocal;
    }
  }
  return [...byKey.values()];
}

/** "Nothing deployed yet": the same app with nothing in it. */
function emptyDeployment(current: Deployment): Deployment {
  const pipeline: Pipeline = { ...current.pipeline, topics: {}, stores: {}, resources: {}, nodes: {}, edges: [], subtopologies: [] };
  return { ...current, pipeline, layouts: {}, schemas: {}, clientTopics: [], fingerprint: '' };
}
