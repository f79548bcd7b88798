/**
 * The one registry of processor types, listed explicitly (nothing registers
 * itself by import side effect): the compiler checks `processors:` entries
 * against it, the engine creates instances from it, and the docs and the
 * editor schema list the types in this order. Each type is declared in its
 * folder with `defineProcessor` (define.ts); a new built-in type is one line
 * here (CONTRIBUTING.md, "Adding a processor"). An application or a test adds
 * its own with `builtinProcessors.with(...)` and passes the result to
 * `compilePipeline` and the engine (`processors` option).
 */
import { ComponentRegistry } from '../common/component-registry.js';
import { aggregateProcessor } from './aggregate/aggregate.js';
import { branchProcessor } from './branch/branch.js';
import { filterProcessor } from './filter/filter.js';
import { guardianProcessor } from './guardian/guardian.js';
import { ingestProcessor } from './ingest/ingest.js';
import { mapProcessor } from './map/map.js';
import type { ProcessorType } from './types.js';
import { vectorizeProcessor } from './vectorize/vectorize.js';

export type ProcessorRegistry = ComponentRegistry<ProcessorType>;

export const builtinProcessors: ProcessorRegistry = new ComponentRegistry('processor type', [
  aggregateProcessor,
  vectorizeProcessor,
  ingestProcessor,
  guardianProcessor,
  filterProcessor,
  mapProcessor,
  branchProcessor,
]);
