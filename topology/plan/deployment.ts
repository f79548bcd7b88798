/**
 * A deployment: what `aura run`/`aura serve` record at start-up so that
 * `aura plan` can tell what the next deploy would change — the compiled
 * pipeline (graph, topics, stores, sub-topologies, with their YAML
 * locations), the store layouts, the event schemas its topics name (with
 * everything they `$ref`), and the topics clients publish to through the
 * gateway. Plain JSON, so it travels as one record of the
 * `<app>-deployments` topic.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../common/canonical-json.js';
import type { Pipeline } from '../model.js';
import { type StoreLayout, storeLayouts } from './layouts.js';

export const DEPLOYMENT_FORMAT = 1;

/** The compacted, single-partition topic holding an app's deployment record. */
export function deploymentsTopic(app: string): string {
  return `${app}-deployments`;
}
const SCHEMA_SUFFIX = '.schema.json';

export interface Deployment {
  format: typeof DEPLOYMENT_FORMAT;
  app: string;
  /** The pipeline file, as the deploying process named it. */
  file: string;
  recordedAt: string;
  /** Instance id or host of the process that recorded it. */
  recordedBy: string;
  pipeline: Pipeline;
  layouts: Record<string, StoreLayout>;
  /** Event schemas by id (file `<id>.schema.json`), as JSON. */
  schemas: Record<string, unknown>;
  /** Topic ids whose records clients send (through the gateway): a stricter schema there rejects deployed apps. */
  clientTopics: string[];
  /** Hash of everything above but locations and times: equal fingerprints = nothing to deploy. */
  fingerprint: string;
}

export interface DeploymentOptions {
  schemasDir: string;
  clientTopics?: string[];
  recordedBy?: string;
  now?: Date;
}

/** Config fields that may hold credentials: recorded as a hash (a change is still seen, the secret is not). */
const SECRET_FIELD = /api_?key|secret|token|password|passwd|credential/i;

export function buildDeployment(pipeline: Pipeline, options: DeploymentOptions): Deployment {
  const redacted = redactSecrets(pipeline) as Pipeline;
  const schemas = readSchemas(pipeline, options.schemasDir);
  const clientTopics = [...(options.clientTopics ?? [])].filter((t) => pipeline.topics[t]).sort();
  const body = { pipeline: redacted, layouts: storeLayouts(pipeline), schemas, clientTopics };
  return {
    format: DEPLOYMENT_FORMAT,
    app: pipeline.app,
    file: pipeline.file,
    recordedAt: (options.now ?? new Date()).toISOString(),
    recordedBy: options.recordedBy ?? 'unknown',
    ...body,
    fingerprint: fingerprint(body),
  };
}

function fingerprint(body: Pick<Deployment, 'pipeline' | 'layouts' | 'schemas' | 'clientTopics'>): string {
  const { file: _file, ...pipeline } = body.pipeline;
  return createHash('sha256')
    .update(canonicalJson(withoutLocations({ ...body, pipeline })))
    .digest('hex')
    .slice(0, 32);
}

function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'loc')
      .map(([k, v]) => [k, withoutLocations(v)]),
  );
}

function redactSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && SECRET_FIELD.test(key)) return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
}

/** The schemas the pipeline's topics name, and every schema file they `$ref`, by id. */
function readSchemas(pipeline: Pipeline, dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const todo = Object.values(pipeline.topics).flatMap((t) => (t.schema ? [t.schema] : []));
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (id in out) continue;
    let schema: unknown;
    try {
      schema = JSON.parse(fs.readFileSync(path.join(dir, `${id}${SCHEMA_SUFFIX}`), 'utf8'));
    } catch {
      continue; // the compiler has reported a missing or broken schema already
    }
    out[id] = schema;
    todo.push(...schemaRefs(schema));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Ids of the schema files a schema refers to (`"$ref": "mood-entry.schema.json"`, absolute or relative). */
export function schemaRefs(schema: unknown): string[] {
  const refs: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === '$ref' && typeof v === 'string') {
          const file = v.split('#')[0].split('/').pop() ?? '';
          if (file.endsWith(SCHEMA_SUFFIX)) refs.push(file.slice(0, -SCHEMA_SUFFIX.length));
        } else walk(v);
      }
    }
  };
  walk(schema);
  return [...new Set(refs)];
}

/** Schema ids reachable from `id` through `$ref` (itself included). */
export function schemaClosure(id: string, schemas: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const todo = [id];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (schemas[next] !== undefined) todo.push(...schemaRefs(schemas[next]));
  }
  return seen;
}

/** A record read back: the current format, or an explanation. */
export function parseDeployment(value: unknown): Deployment {
  const d = value as Partial<Deployment> | null;
  if (!d || typeof d !== 'object' || d.format !== DEPLOYMENT_FORMAT || !d.pipeline || !d.layouts || !d.schemas)
    throw new Error(
      `not a deployment record of format ${DEPLOYMENT_FORMAT}${d && typeof d === 'object' && 'format' in d ? ` (format ${String(d.format)})` : ''}`,
    );
  return { ...(d as Deployment), clientTopics: d.clientTopics ?? [] };
}
