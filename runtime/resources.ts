/**
 * The shared resources declared under `resources:` (embedders, vector sinks,
 * advisors) — one instance per process, shared by every task — built by
 * their types' constructors from the resource registry (providers/registry.ts).
 * An unknown type fails here with a clear message rather than at the first
 * record. Tests and the test driver can pass ready-made instances
 * (`overrides`) instead.
 */
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { builtinResources, type ResourceRegistry } from '../providers/registry.js';
import type { Pipeline, ResourceSpec } from '../topology/model.js';

type Closeable = { close(): Promise<void> | void };

export interface ResourceOptions {
  /** Instances to use instead of building from the spec, by resource id. */
  overrides?: Record<string, unknown>;
  /** Relative paths (e.g. an embedded vector store's file) are resolved against this directory. */
  baseDir?: string;
  log?: (msg: string) => void;
  /** The resource types to build from (default: the built-in ones). */
  types?: ResourceRegistry;
}

export class Resources {
  private readonly instances = new Map<string, unknown>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly options: ResourceOptions = {},
  ) {}

  get<T>(id: string): T {
    let instance = this.instances.get(id);
    if (instance === undefined) {
      const spec = this.pipeline.resources[id];
      if (!spec) throw new AuraError(ErrorCodes.CONFIG_INVALID, `unknown resource "${id}"`);
      instance = this.options.overrides?.[id] ?? this.build(spec);
      this.instances.set(id, instance);
    }
    return instance as T;
  }

  /** Builds every resource now, so that a missing model or a bad URL fails at start-up. */
  async warmUp(): Promise<void> {
    for (const id of Object.keys(this.pipeline.resources)) {
      const r = this.get<{ load?: () => Promise<void> }>(id);
      await r.load?.();
    }
  }

  async close(): Promise<void> {
    for (const r of this.instances.values()) await (r as Closeable).close?.();
    this.instances.clear();
  }

  private build(spec: ResourceSpec): unknown {
    const type = (this.options.types ?? builtinResources).get(spec.type);
    if (!type) throw new AuraError(ErrorCodes.CONFIG_INVALID, `resource "${spec.id}": type "${spec.type}" is not available in this build`);
    return type.create(spec.config, { id: spec.id, resolvePath: (p) => this.resolve(p), log: this.options.log });
  }

  private resolve(p: string): string {
    return p === ':memory:' || path.isAbsolute(p) ? p : path.resolve(this.options.baseDir ?? process.cwd(), p);
  }
}
