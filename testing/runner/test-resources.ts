/**
 * Resources for `aura test`: each test gets its own, so tests neither share
 * state nor touch the files a real run uses. MiniLM embedders become the
 * hashing embedder (same 384 dimensions; no model download, instant,
 * deterministic) unless the file asks for `embedders: declared`; embedded
 * vector stores become in-memory ones. Other resources are built as declared.
 */

import { createEmbeddedVectorStore } from '../../providers/vectors/embedded.js';
import type { Pipeline } from '../../topology/model.js';
import { createHashingEmbedder } from '../hashing-embedder.js';

export const MINILM_DIMS = 384;

export function testResources(pipeline: Pipeline, embedders: 'hashing' | 'declared'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of Object.values(pipeline.resources)) {
    if (r.type === 'minilm' && embedders === 'hashing') out[r.id] = createHashingEmbedder({ dims: MINILM_DIMS });
    else if (r.type === 'embedded') out[r.id] = createEmbeddedVectorStore({ path: ':memory:', name: r.id });
  }
  return out;
}
