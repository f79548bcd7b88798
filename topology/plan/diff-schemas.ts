/**
 * Event schemas: each changed schema file compared with the deployed one
 * (schemas/compatibility.ts), and each topic that names another schema, or
 * gains or loses one. Stricter is breaking — and said to be breaking for
 * clients when the schema is that of a topic the gateway publishes (deployed
 * apps keep sending what the old schema allowed). Looser is safe, with a note.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sameJson } from '../../common/canonical-json.js';
import { compareSchemas } from '../../schemas/compatibility.js';
import type { CompatFinding } from '../../schemas/compatibility-rules.js';
import type { SourceLocation, TopicSpec } from '../model.js';
import { SourceDoc } from '../source-doc.js';
import { change, type DiffContext, finding, type PlanChange, type PlanFinding } from './changes.js';
import { schemaClosure } from './deployment.js';

export function diffSchemas(ctx: DiffContext): PlanChange[] {
  const out: PlanChange[] = [];
  const before = ctx.before.schemas;
  const after = ctx.after.schemas;
  for (const id of Object.keys(after)) {
    if (!(id in before) || sameJson(before[id], after[id])) continue;
    const found = compareSchemas(before[id], after[id]);
    if (found.length === 0) continue;
    const file = ctx.schemasDir ? path.join(ctx.schemasDir, `${id}.schema.json`) : `${id}.schema.json`;
    const locate = locator(file);
    const c = change('change', 'schema', id, `${found.length} difference${found.length > 1 ? 's' : ''} from the deployed schema`, { loc: locate('') });
    c.findings.push(...toFindings(ctx, usersOf(ctx, id), found, locate));
    out.push(c);
  }
  for (const t of Object.values(ctx.after.pipeline.topics)) {
    const old = ctx.before.pipeline.topics[t.id];
    if (!old || old.internal || old.schema === t.schema) continue;
    out.push(topicSchemaChange(ctx, old, t));
  }
  return out;
}

function topicSchemaChange(ctx: DiffContext, old: TopicSpec, t: TopicSpec): PlanChange {
  const c = change('change', 'topic', t.id, `schema ${old.schema ?? '(none)'} -> ${t.schema ?? '(none)'}`, { loc: t.loc });
  const audience = audienceOf(ctx, [t]);
  if (!t.schema) {
    c.findings.push(finding('SCHEMA_LOOSER', `[SCHEMA_REMOVED] values of ${t.name} are no longer checked against ${old.schema}${audience.readers}`));
  } else if (!old.schema) {
    c.findings.push(
      finding(
        'SCHEMA_STRICTER',
        `[SCHEMA_ADDED] values of ${t.name} were not checked before; now they must match ${t.schema}${audience.writers}`,
        strictTodo(audience),
      ),
    );
  } else {
    const found = compareSchemas(ctx.before.schemas[old.schema], ctx.after.schemas[t.schema]);
    c.findings.push(...toFindings(ctx, [t], found, () => t.loc));
  }
  return c;
}

/** Topics (new pipeline) whose schema is `id` or refers to it. */
function usersOf(ctx: DiffContext, id: string): TopicSpec[] {
  return Object.values(ctx.after.pipeline.topics).filter((t) => t.schema && schemaClosure(t.schema, ctx.after.schemas).has(id));
}

interface Audience {
  clients: TopicSpec[];
  /** Sentence tails: who is hurt by a stricter / looser schema. */
  writers: string;
  readers: string;
  topics: string;
}

function audienceOf(ctx: DiffContext, topics: TopicSpec[]): Audience {
  const clientIds = new Set([...ctx.before.clientTopics, ...ctx.after.clientTopics]);
  const clients = topics.filter((t) => clientIds.has(t.id));
  const names = topics.map((t) => t.name).join(', ');
  return {
    clients,
    topics: names,
    writers:
      clients.length > 0
        ? ` — breaking for clients: the gateway publishes ${clients.map((t) => t.name).join(', ')} and would reject what the deployed mobile app may still send`
        : topics.length > 0
          ? ` — records already in ${names}, and producers not yet updated, may not match`
          : '',
    readers: topics.length > 0 ? ` — readers of ${names} built against the deployed schema may receive such values` : '',
  };
}

function strictTodo(audience: Audience): Omit<PlanFinding, 'code' | 'severity' | 'message'> {
  return audience.clients.length > 0
    ? {
        todo: 'keep accepting what deployed apps send (make the field optional, the bound wider), or version the event (a new type or endpoint) and retire the old one once no app sends it',
        discards: `requests of app versions that send the old shape are rejected with 400 (topic ${audience.clients.map((t) => t.name).join(', ')})`,
      }
    : {
        todo: 'keep old values valid, or migrate the records already on the topic before tightening the schema',
        discards: audience.topics ? `nothing is deleted; records of the old shape stay in ${audience.topics}` : 'nothing',
      };
}

function toFindings(ctx: DiffContext, topics: TopicSpec[], found: CompatFinding[], locate: (pointer: string) => SourceLocation | undefined): PlanFinding[] {
  const audience = audienceOf(ctx, topics);
  return found.map((f) => {
    const at = `${f.path || '(the whole value)'}: ${f.message} [${f.rule}]`;
    return f.direction === 'stricter'
      ? finding('SCHEMA_STRICTER', `${at}${audience.writers}`, { ...strictTodo(audience), loc: locate(f.schemaPath) })
      : finding('SCHEMA_LOOSER', `${at}${audience.readers}`, { loc: locate(f.schemaPath) });
  });
}

/** file:line:col of a JSON pointer in a schema file (JSON is YAML: the pipeline's locator works). */
function locator(file: string): (pointer: string) => SourceLocation | undefined {
  let doc: SourceDoc | undefined;
  try {
    doc = new SourceDoc(fs.readFileSync(file, 'utf8'), file);
  } catch {
    doc = undefined;
  }
  return (pointer) => {
    const relative = path.relative(process.cwd(), file);
    const display = relative && !relative.startsWith('..') ? relative : file;
    if (!doc) return { file: display, line: 1, col: 1 };
    const segments = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    return { file: display, ...doc.locate(segments, 'key') };
  };
}
