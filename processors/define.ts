/**
 * `defineProcessor`: a processor type declared once, beside its code, as in
 * Redpanda Connect (`service.NewConfigSpec()` + a constructor receiving the
 * parsed config): its name, its config schema (fields, defaults and docs —
 * schemas/config-schema.ts), its reference docs and examples, the hooks the
 * compiler calls and its constructor. The config's TypeScript type is inferred
 * from the schema, so there is no interface to keep in step with it.
 *
 * Every function of the definition receives the parsed config — defaults
 * filled, durations in milliseconds — converted here, once for every type.
 */
import type { TObject } from '@sinclair/typebox';
import { type Config, parseConfig } from '../schemas/config-schema.js';
import type {
  ConfigExpression,
  ConfigIssue,
  Processor,
  ProcessorExample,
  ProcessorNode,
  ProcessorType,
  ResourceRef,
  StoreRequirement,
  ValidatedConfig,
} from './types.js';

export interface ProcessorDefinition<S extends TObject> {
  /** The name written as `type:` in pipeline.yaml. */
  type: string;
  /** One sentence, for the reference's list of types. */
  summary: string;
  /** Markdown: what the processor does, for its generated page (docs/processors/<type>.md). */
  description: string;
  /** The fields of `config:` (schemas/config-schema.ts). */
  config: S;
  /** `processors:` entries in YAML; a test compiles each one. */
  examples: ProcessorExample[];
  /** For types whose `process()` returns a promise: how many records per task are in flight when the pipeline sets no `concurrency`. Leave out for synchronous types. */
  async?: { defaultConcurrency: number };
  /** Named output ports (default: `['default']`). */
  ports?(config: Config<S>): string[];
  /** Resources the config names, with the role each must have; the compiler checks they exist and have it. */
  resourceRefs?(config: Config<S>): ResourceRef[];
  /** JSONata expressions in the config; the compiler checks their syntax. */
  expressions?(config: Config<S>): ConfigExpression[];
  /** The store the type needs, given its config (leave out: none). */
  storeRequirement?(config: Config<S>): StoreRequirement | undefined;
  /** Checks beyond the JSON Schema (reported by the compiler at the config field). */
  check?(config: Config<S>): ConfigIssue[];
  /** Whether forwarded records may carry another key than their input (a re-key); leave out when the key is always kept. */
  changesKey?(config: Config<S>): boolean;
  /** A fresh instance per task (and per partition), like Kafka Streams' ProcessorSupplier. */
  create(config: Config<S>, node: ProcessorNode): Processor;
}

const DEFAULT_PORTS = ['default'];

export function defineProcessor<S extends TObject>(definition: ProcessorDefinition<S>): ProcessorType {
  const { config: schema, ports, resourceRefs, expressions, storeRequirement, check, changesKey, create } = definition;
  const parse = (config: ValidatedConfig): Config<S> => parseConfig(schema, config);
  return {
    type: definition.type,
    summary: definition.summary,
    description: definition.description,
    configSchema: schema,
    examples: definition.examples,
    async: definition.async !== undefined,
    defaultConcurrency: definition.async?.defaultConcurrency ?? 1,
    ports: ports ? (config) => ports(parse(config)) : () => [...DEFAULT_PORTS],
    ...(resourceRefs ? { resourceRefs: (config: ValidatedConfig) => resourceRefs(parse(config)) } : {}),
    ...(expressions ? { expressions: (config: ValidatedConfig) => expressions(parse(config)) } : {}),
    ...(storeRequirement ? { storeRequirement: (config: ValidatedConfig) => storeRequirement(parse(config)) } : {}),
    ...(check ? { check: (config: ValidatedConfig) => check(parse(config)) } : {}),
    ...(changesKey ? { changesKey: (config: ValidatedConfig) => changesKey(parse(config)) } : {}),
    create: (config, node) => create(parse(config), node),
  };
}
