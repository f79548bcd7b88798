/**
 * The processor types, listed explicitly (no registration by import side
 * effect): the compiler, the docs generator and the editor schema iterate this.
 */
import type { ProcessorSpec } from './types.js';
import { aggregateSpec } from './aggregate/spec.js';
import { vectorizeSpec } from './vectorize/spec.js';
import { ingestSpec } from './ingest/spec.js';
import { guardianSpec } from './guardian/spec.js';
import { filterSpec } from './filter/spec.js';
import { mapSpec } from './map/spec.js';
import { branchSpec } from './branch/spec.js';

// Specs are generic in their config type; the registry sees them through the erased form.
type AnySpec = ProcessorSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const processorSpecs: readonly AnySpec[] = [
  aggregateSpec,
  vectorizeSpec,
  ingestSpec,
  guardianSpec,
  filterSpec,
  mapSpec,
  branchSpec,
];

const byType = new Map(processorSpecs.map((spec) => [spec.type, spec]));

export function getSpec(type: string): AnySpec | undefined {
  return byType.get(type);
}

export function processorTypes(): string[] {
  return processorSpecs.map((spec) => spec.type);
}
