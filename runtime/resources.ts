/**
 * Builds the shared resources declared under `resources:` (embedders, vector
 * sinks, advisors) — one instance per process, shared by every task. An
 * unknown type fails here with a clear message rather than at the first
 * record. Tests and the test driver can pass ready-made
 * instances (`overrides`) instead.
 */
import path from 'node:path';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Pipeline, ResourceSpec } from '../topology/model.js';
import { createRulesAdvisor } from '../providers/advisors/rules.js';
import { createHashingEmbedder } from '../providers/embedders/hashing.js';
import { createMiniLmEmbedder } from '../providers/embedders/minilm.js';
import { createEmbeddedVectorStore } from '../providers/vectors/embedded.js';
import { createOpenAiChatAdvisor } from '../providers/openai/chat-advisor.js';
import { createOpenAiEmbedder } from '../providers/openai/embedder.js';
import { createQdrantVectorSink } from '../providers/vectors/qdrant.js';
import { toMillis } from '../schemas/duration.js';

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
      // Network providers: the compiler has validated these fields against topology/resource-specs.ts.
      case 'openai':
        return createOpenAiEmbedder({
          url: String(c.url),
          model: String(c.model),
          apiKey: optionalString(c.api_key),
          dimensions: c.dimensions as number | undefined,
          timeoutMs: optionalMillis(c.timeout),
          maxRetries: c.max_retries as number | undefined,
          concurrency: c.concurrency as number | undefined,
          batchSize: c.batch_size as number | undefined,
        });
      case 'qdrant':
        return createQdrantVectorSink({
          url: String(c.url),
          apiKey: optionalString(c.api_key),
          collection: String(c.collection),
          timeoutMs: optionalMillis(c.timeout),
          maxRetries: c.max_retries as number | undefined,
          batchSize: c.batch_size as number | undefined,
          name: spec.id,
        });
      case 'openai_chat':
        return createOpenAiChatAdvisor({
          url: String(c.url),
          model: String(c.model),
          apiKey: optionalString(c.api_key),
          promptTemplate: c.prompt_template as string | undefined,
          temperature: c.temperature as number | undefined,
          maxTokens: c.max_tokens as number | undefined,
          timeoutMs: optionalMillis(c.timeout),
          maxRetries: c.max_retries as number | undefined,
          concurrency: c.concurrency as number | undefined,
          name: spec.id,
        });
      default:
        throw new AuraError(ErrorCodes.CONFIG_INVALID, `resource "${spec.id}": type "${spec.type}" is not available in this build`);
    }
  }

  private resolve(p: string): string {
    return p === ':memory:' || path.isAbsolute(p) ? p : path.resolve(this.options.baseDir ?? process.cwd(), p);
  }
}

/** An empty `${API_KEY:-}` means "no key" (local Ollama / vLLM), not an empty bearer token. */
function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function optionalMillis(v: unknown): number | undefined {
  return v === undefined ? undefined : toMillis(v);
}
