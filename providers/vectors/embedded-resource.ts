/** The `embedded` resource type: the SQLite vector store with exact cosine search (embedded.ts). */
import { object, string } from '../../schemas/config-schema.js';
import { defineResource } from '../resource.js';
import { createEmbeddedVectorStore } from './embedded.js';

export const embeddedVectorsResource = defineResource({
  type: 'embedded',
  role: 'vector_sink',
  summary: 'The embedded vector store: SQLite, exact cosine search. No server needed.',
  config: object({ path: string({ minLength: 1, description: 'SQLite file of the store.' }) }),
  create: (config, context) => createEmbeddedVectorStore({ path: context.resolvePath(config.path), name: context.id }),
});
