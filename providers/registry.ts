/**
 * The one registry of resource types, listed explicitly (nothing registers
 * itself by import side effect): the compiler validates `resources:` entries
 * against it, the runtime builds instances from it (runtime/resources.ts), and
 * the reference docs and the editor schema list it in this order. Each type is
 * declared beside its implementation with `defineResource` (resource.ts); a new
 * type is one line here.
 */
import { ComponentRegistry } from '../common/component-registry.js';
import { rulesAdvisorResource } from './advisors/rules-resource.js';
import { miniLmResource } from './embedders/minilm-resource.js';
import { openAiChatResource } from './openai/chat-advisor-resource.js';
import { openAiEmbedderResource } from './openai/embedder-resource.js';
import type { ResourceType } from './resource.js';
import { embeddedVectorsResource } from './vectors/embedded-resource.js';
import { qdrantResource } from './vectors/qdrant-resource.js';

export type ResourceRegistry = ComponentRegistry<ResourceType>;

export const builtinResources: ResourceRegistry = new ComponentRegistry('resource type', [
  miniLmResource,
  openAiEmbedderResource,
  embeddedVectorsResource,
  qdrantResource,
  rulesAdvisorResource,
  openAiChatResource,
]);
