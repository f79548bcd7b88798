/**
 * Schemas as code, like `aura topics`: `planSchemas` compares the schemas the
 * pipeline's registry-format topics need with the registry (up to date, a new
 * subject, a compatible new version, or incompatible — with the registry's
 * reasons, which name the field); `applySchemaPlan` sets each subject's
 * compatibility level where it has none of its own (BACKWARD by default, as
 * Confluent's default), checks again under it and registers — all or nothing:
 * it refuses the whole plan when any schema is incompatible.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { CompatibilityLevel, SchemaRegistryClient } from './registry-client.js';
import type { TopicSchema } from './topic-schemas.js';

export type SchemaChange = 'up_to_date' | 'new_subject' | 'new_version' | 'incompatible';

export interface SchemaPlanEntry {
  schema: TopicSchema;
  change: SchemaChange;
  /** Up to date: the registered version and id. New version: the latest version it follows. */
  version?: number;
  id?: number;
  /** The subject's own level, if it has one. */
  level?: CompatibilityLevel;
  /** Incompatible: the registry's reasons. */
  messages: string[];
}

export interface SchemaPlan {
  entries: SchemaPlanEntry[];
  /** The level set on subjects that have none of their own. */
  defaultLevel: CompatibilityLevel;
  pending: boolean;
  refused: boolean;
}

export async function planSchemas(
  client: SchemaRegistryClient,
  schemas: readonly TopicSchema[],
  defaultLevel: CompatibilityLevel = 'BACKWARD',
): Promise<SchemaPlan> {
  const entries: SchemaPlanEntry[] = [];
  for (const schema of schemas) {
    const registered = await client.lookup(schema.subject, schema.schema, schema.schemaType);
    const level = await client.subjectCompatibility(schema.subject);
    if (registered) {
      entries.push({ schema, change: 'up_to_date', version: registered.version, id: registered.id, level, messages: [] });
      continue;
    }
    const latest = await client.latest(schema.subject);
    if (!latest) {
      entries.push({ schema, change: 'new_subject', level, messages: [] });
      continue;
    }
    const check = await client.checkCompatibility(schema.subject, schema.schema, schema.schemaType);
    entries.push({ schema, change: check.compatible ? 'new_version' : 'incompatible', version: latest.version, level, messages: check.messages });
  }
  return { entries, defaultLevel, pending: entries.some((e) => e.change !== 'up_to_date'), refused: entries.some((e) => e.change === 'incompatible') };
}

export interface AppliedSchema {
  subject: string;
  id: number;
}

export async function applySchemaPlan(client: SchemaRegistryClient, plan: SchemaPlan): Promise<AppliedSchema[]> {
  if (plan.refused) throw incompatible(plan.entries.filter((e) => e.change === 'incompatible'));
  const todo = plan.entries.filter((e) => e.change !== 'up_to_date');
  // Levels first, then one more check under them (a registry whose global level is NONE passed the plan's check trivially).
  for (const entry of todo) {
    if (!entry.level) await client.setSubjectCompatibility(entry.schema.subject, plan.defaultLevel);
  }
  const failed: SchemaPlanEntry[] = [];
  for (const entry of todo) {
    if (entry.change === 'new_subject') continue;
    const check = await client.checkCompatibility(entry.schema.subject, entry.schema.schema, entry.schema.schemaType);
    if (!check.compatible) failed.push({ ...entry, change: 'incompatible', messages: check.messages });
  }
  if (failed.length > 0) throw incompatible(failed);
  const applied: AppliedSchema[] = [];
  for (const entry of todo)
    applied.push({ subject: entry.schema.subject, id: await client.register(entry.schema.subject, entry.schema.schema, entry.schema.schemaType) });
  return applied;
}

function incompatible(entries: SchemaPlanEntry[]): AuraError {
  const lines = entries.map((e) => `${e.schema.subject}: ${e.messages.join('; ') || 'incompatible'}`);
  return new AuraError(ErrorCodes.SCHEMA_INCOMPATIBLE, `incompatible schemas, nothing was registered:\n  ${lines.join('\n  ')}`, {
    details: { subjects: entries.map((e) => e.schema.subject) },
  });
}

const MARK: Record<SchemaChange, string> = { up_to_date: '=', new_subject: '+', new_version: '~', incompatible: '!' };

export function formatSchemaPlan(plan: SchemaPlan, options: { verbose?: boolean } = {}): string {
  const shown = plan.entries.filter((e) => options.verbose || e.change !== 'up_to_date');
  const width = Math.max(0, ...shown.map((e) => e.schema.subject.length));
  const lines = shown.map((e) => {
    const level = e.level ?? `${plan.defaultLevel} (set now: the subject has no level of its own)`;
    const what = `${e.schema.format} from ${e.schema.source}`;
    const detail =
      e.change === 'up_to_date'
        ? `up to date: version ${e.version}, id ${e.id}`
        : e.change === 'new_subject'
          ? `new subject: version 1, compatibility ${level}`
          : e.change === 'new_version'
            ? `new version after ${e.version}, compatible under ${e.level ?? 'the registry default'}${e.level ? '' : `; ${plan.defaultLevel} is set first and checked again`}`
            : `INCOMPATIBLE with version ${e.version} under ${e.level ?? 'the registry default'}: ${e.messages.join('; ') || '(no reason given)'}`;
    return `  ${MARK[e.change]} ${e.schema.subject.padEnd(width)}  ${what}: ${detail}`;
  });
  const upToDate = plan.entries.length - plan.entries.filter((e) => e.change !== 'up_to_date').length;
  const summary =
    plan.entries.length === 0
      ? 'no topic of this pipeline uses the Schema Registry (format json_sr or avro)'
      : `${plan.entries.length} subjects: ${upToDate} up to date`;
  return `${[...lines, summary].join('\n')}\n`;
}
