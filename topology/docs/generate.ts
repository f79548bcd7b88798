/**
 * Every generated file (docs and the editor schema), by path relative to the
 * repository root, so `aura docs` / `aura schema` can write or check them and a
 * test can fail when a committed copy is stale.
 */
import { builtinProcessors } from '../../processors/registry.js';
import { editorSchemaText } from '../editor-schema.js';
import { pipelineChangesDoc } from '../plan/changes-doc.js';
import { processorPage } from './processor-page.js';
import { pipelineReference } from './reference.js';

export function generatedDocs(): Map<string, string> {
  const files = new Map<string, string>([
    ['docs/pipeline-reference.md', pipelineReference()],
    ['docs/pipeline-changes.md', pipelineChangesDoc()],
  ]);
  for (const spec of builtinProcessors.all()) files.set(`docs/processors/${spec.type}.md`, processorPage(spec));
  return files;
}

export function generatedSchemas(): Map<string, string> {
  return new Map([['schemas/pipeline.schema.json', editorSchemaText()]]);
}
