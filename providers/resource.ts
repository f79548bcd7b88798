/**
 * `defineResource`: a resource type (`resources:` in pipeline.yaml) declared
 * once, beside its implementation, like a processor type
 * (processors/define.ts): its name, the role it plays, its fields (schema,
 * defaults, docs — schemas/config-schema.ts) and its constructor, which
 * receives the parsed fields (defaults filled, durations in milliseconds) and
 * must return what its role promises (an Embedder, a VectorSink, an Advisor).
 * One instance per process is shared by every task (runtime/resources.ts).
 */
import type { TObject } from '@sinclair/typebox';
import { type Config, parseConfig } from '../schemas/config-schema.js';
import type { Advisor, Embedder, VectorSink } from './types.js';

/** What each role's instances are; processors ask for a role (`resourceRefs`) and use the interface. */
export interface ResourceRoles {
  embedder: Embedder;
  vector_sink: VectorSink;
  advisor: Advisor;
}

export type ResourceRole = keyof ResourceRoles;

export const ROLE_LABELS: Record<ResourceRole, string> = {
  embedder: 'an embedder',
  vector_sink: 'a vector sink',
  advisor: 'an advisor',
};

/** What a resource's constructor gets besides its fields. */
export interface ResourceContext {
  /** The resource's id under `resources:` (vector sinks report it as their name). */
  id: string;
  /** A path of the config resolved against the pipeline file's directory (`:memory:` and absolute paths unchanged). */
  resolvePath(path: string): string;
  log?: (msg: string) => void;
}

export interface ResourceDefinition<R extends ResourceRole, S extends TObject> {
  /** The name written as `type:` under `resources:`. */
  type: string;
  role: R;
  /** One sentence, for the pipeline reference. */
  summary: string;
  /** The resource's fields besides `type` (schemas/config-schema.ts). */
  config: S;
  create(config: Config<S>, context: ResourceContext): ResourceRoles[R];
}

/** A resource type as the compiler, the runtime and the docs see it. */
export interface ResourceType {
  readonly type: string;
  readonly role: ResourceRole;
  readonly summary: string;
  /** JSON Schema of the fields other than `type` (`additionalProperties: false`). */
  readonly configSchema: TObject;
  /** Builds an instance from the fields as the compiler validated them. */
  create(config: Record<string, unknown>, context: ResourceContext): ResourceRoles[ResourceRole];
}

export function defineResource<R extends ResourceRole, S extends TObject>(definition: ResourceDefinition<R, S>): ResourceType {
  const { type, role, summary, config: schema, create } = definition;
  return { type, role, summary, configSchema: schema, create: (config, context) => create(parseConfig(schema, config), context) };
}

/** An empty `${API_KEY:-}` means "no key" (local Ollama / vLLM), not an empty bearer token. */
export function optionalSecret(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
