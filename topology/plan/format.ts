/**
 * The plan as people read it, in the manner of `terraform plan`: one line per
 * change (`+` add, `~` change, `-` remove) with its file:line:col, its
 * findings below it (`!` breaking, `·` safe) with what to do, and a summary
 * that says what a breaking deploy would discard.
 */
import type { SourceLocation } from '../model.js';
import { type PlanChange, type PlanFinding, severityOf } from './changes.js';
import type { Plan } from './plan.js';

const SIGN = { add: '+', change: '~', remove: '-' } as const;

export const where = (loc: SourceLocation | undefined): string => (loc ? `${loc.file}:${loc.line}:${loc.col}` : '(no location)');

/** The first line of a change: `~ topic user_events at pipeline.yaml:21:3: partitions 6 -> 12`. */
export function changeHeadline(c: PlanChange): string {
  return `${SIGN[c.action]} ${c.subject} ${c.id} at ${where(c.loc)}${c.deployed ? ' (deployed)' : ''}: ${c.summary}`;
}

export function findingLines(f: PlanFinding, c: PlanChange): string[] {
  const at = f.loc && where(f.loc) !== where(c.loc) ? ` at ${where(f.loc)}` : '';
  const lines = [`    ${f.severity === 'breaking' ? '!' : '·'} ${f.code}${at}: ${f.message}`];
  if (f.todo) lines.push(`      to do: ${f.todo}`);
  return lines;
}

export function formatPlan(plan: Plan, subject: { file: string }): string {
  const lines: string[] = [];
  if (plan.deployed)
    lines.push(
      `aura plan: ${subject.file} against the deployment of ${plan.app} recorded ${plan.deployed.recordedAt} by ${plan.deployed.recordedBy} (${plan.deployed.file})`,
    );
  else lines.push(`aura plan: ${subject.file}: no deployment of ${plan.app} is recorded yet — everything is new`);
  lines.push('');
  if (plan.changes.length === 0) {
    lines.push('No changes: the pipeline is what is deployed.');
    return `${lines.join('\n')}\n`;
  }
  for (const c of plan.changes) {
    lines.push(changeHeadline(c));
    for (const f of c.findings) lines.push(...findingLines(f, c));
  }
  lines.push('', summaryLine(plan));
  if (plan.verdict === 'breaking') lines.push(...breakingNotice(plan));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(plan: Plan): string {
  const count = (a: PlanChange['action']) => plan.changes.filter((c) => c.action === a).length;
  const breaking = plan.changes.filter((c) => severityOf(c) === 'breaking').length;
  return `Plan: ${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove; ${breaking} breaking (need a reset or a migration), ${plan.changes.length - breaking} safe.`;
}

/** What deploying anyway gives up: one line per thing discarded, with the changes that discard it. */
export function discardedLines(plan: Plan): string[] {
  const because = new Map<string, string[]>();
  for (const c of plan.changes)
    for (const f of c.findings) {
      if (f.severity !== 'breaking' || !f.discards) continue;
      const why = `${f.code} at ${c.subject} ${c.id}`;
      const list = because.get(f.discards) ?? [];
      if (!list.includes(why)) list.push(why);
      because.set(f.discards, list);
    }
  return [...because].map(([what, why]) => `  - ${what} (${why.join('; ')})`);
}

function breakingNotice(plan: Plan): string[] {
  return ['', '`aura run` and `aura serve` refuse this deploy. With --allow-breaking they would go ahead and discard:', ...discardedLines(plan)];
}
