/**
 * Builds the shared resources declared under `resources:` (embedders, vector
 * sinks, advisors) — one instance per process, shared by every task. Types
 * without a local implementation yet fail here with a clear message rather
 * than at the first record. Tests and the test driver can pass ready-made
 * instances (`overrides`) instead.
 */
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Pipeline, ResourceSpec } from '../topology/model.js';
import { createRulesAdvisor } from '../providers/advisors/rules.js';
import { createHashingEmbedder } from '../providers/embedders/hashing.js';
import { createMiniLmEmbedder } from '../providers/embedders/minilm.js';
import { createEmbeddedVectorStore } from '../providers/vectors/embedded.js';

type Closeable = { close(): Promise<void> | void };

export interface ResourceOptions {
  /** Instances to use instead of building from the spec, by resource id. */
  overrides?: Record<string, unknown>;
  /** Relative paths (e.g. an embedded vector store's file) are resolved against this directory. */
  baseDir?: string;
  log?: (msg: string) => void;
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
    const c = spec.config;
    switch (spec.type) {
      case 'minilm':
        return createMiniLmEmbedder({ cacheDir: c.model_dir as string | undefined, log: this.options.log });
      case 'hashing':
        return createHashingEmbedder({ dims: c.dims as number | undefined });
      case 'embedded':
        return createEmbeddedVectorStore({ path: this.resolve(String(c.path)), name: spec.id });
      case 'rules':
        return createRulesAdvisor();
      default:
        throw new AuraError(ErrorCodes.CONFIG_INVALID, `resource "${spec.id}": type "${spec.type}" is not available in this build`);
    }
  }

  private resolve(p: string): string {
    return p === ':memory:' || path.isAbsolute(p) ? p : path.resolve(this.options.baseDir ?? process.cwd(), p);
  }
}
