/**
 * The one registry of processor types: each spec (schema, docs, examples —
 * see spec-registry.ts) beside its constructor. Nothing registers itself by
 * import side effect; a new type is one line here.
 */
import type { Processor, ProcessorSpec, ProcessorType } from './types.js';
import { aggregateSpec } from './aggregate/spec.js';
import { createAggregate, type AggregateConfig } from './aggregate/aggregate.js';
import { branchSpec } from './branch/spec.js';
import { createBranch, type BranchConfig } from './branch/branch.js';
import { filterSpec } from './filter/spec.js';
import { createFilter, type FilterConfig } from './filter/filter.js';
import { guardianSpec } from './guardian/spec.js';
import { createGuardian, type GuardianConfig } from './guardian/guardian.js';
import { ingestSpec } from './ingest/spec.js';
import { createIngest, type IngestConfig } from './ingest/ingest.js';
import { mapSpec } from './map/spec.js';
import { createMap, type MapConfig } from './map/map.js';
import { vectorizeSpec } from './vectorize/spec.js';
import { createVectorize, type VectorizeConfig } from './vectorize/vectorize.js';

function withCreate<C>(spec: ProcessorSpec<any>, create: (config: C, node: { id: string; stores: string[] }) => Processor): ProcessorType<any> {
  return { ...spec, create: create as ProcessorType<any>['create'] };
}

export const processorTypes: readonly ProcessorType<any>[] = [
  withCreate<AggregateConfig>(aggregateSpec, (config, node) => createAggregate(config, node.stores)),
  withCreate<VectorizeConfig>(vectorizeSpec, (config) => createVectorize(config)),
  withCreate<IngestConfig>(ingestSpec, (config) => createIngest(config)),
  withCreate<GuardianConfig>(guardianSpec, (config) => createGuardian(config)),
  withCreate<FilterConfig>(filterSpec, (config) => createFilter(config)),
  withCreate<MapConfig>(mapSpec, (config) => createMap(config)),
  withCreate<BranchConfig>(branchSpec, (config) => createBranch(config)),
];

const byType = new Map(processorTypes.map((t) => [t.type, t]));

export function getProcessorType(type: string): ProcessorType<any> | undefined {
  return byType.get(type);
}
