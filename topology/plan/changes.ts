/**
 * The plan's vocabulary: a change to one thing of the pipeline (topic, store,
 * processor, join, resource, event schema), located in the YAML (or the
 * schema file), with the findings that make it safe or breaking, what to do
 * about each, and what deploying it anyway discards.
 */
import type { SourceLocation } from '../model.js';
import { type PlanCode, PlanCodes, type PlanSeverity } from './codes.js';
import type { Deployment } from './deployment.js';

export type ChangeAction = 'add' | 'remove' | 'change';
export type ChangeSubject = 'topic' | 'store' | 'processor' | 'join' | 'resource' | 'schema';

export interface PlanFinding {
  code: PlanCode;
  severity: PlanSeverity;
  message: string;
  /** What to do instead (or before deploying). */
  todo?: string;
  /** What `--allow-breaking` gives up. */
  discards?: string;
  /** A more precise location than the change's (e.g. the schema keyword). */
  loc?: SourceLocation;
}

export interface PlanChange {
  action: ChangeAction;
  subject: ChangeSubject;
  id: string;
  /** One line: what changes (`partitions 6 -> 12`). */
  summary: string;
  /** In the new file; for removals, in the deployed one (`deployed: true`). */
  loc?: SourceLocation;
  deployed?: boolean;
  findings: PlanFinding[];
  /** Stores whose changelog and local state a breaking deploy resets (they start empty). */
  reset: string[];
  /** A breaking deploy rebuilds local state from the changelogs (task ids changed). */
  rebuildLocal: boolean;
}

export function finding(code: PlanCode, message: string, extra: Omit<PlanFinding, 'code' | 'severity' | 'message'> = {}): PlanFinding {
  return { code, severity: PlanCodes[code].severity, message, ...extra };
}

export function change(action: ChangeAction, subject: ChangeSubject, id: string, summary: string, extra: Partial<PlanChange> = {}): PlanChange {
  return { action, subject, id, summary, findings: [], reset: [], rebuildLocal: false, ...extra };
}

export function severityOf(c: PlanChange): PlanSeverity {
  return c.findings.some((f) => f.severity === 'breaking') ? 'breaking' : 'safe';
}

/** `a -> b` for summaries; durations and lists shown as written. */
export function arrow(before: unknown, after: unknown): string {
  const show = (v: unknown) => {
    const text = v === undefined ? '(none)' : Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  return `${show(before)} -> ${show(after)}`;
}

/** What every part of the diff reads. */
export interface DiffContext {
  before: Deployment;
  after: Deployment;
  /** Directory of the new event schemas (to locate changed keywords in their files). */
  schemasDir?: string;
  /** Stores whose repartitioning or re-keying a topic change already explained. */
  explained: Set<string>;
}
