/**
 * The formats of `aura describe`. The gateway's topology page reuses the JSON
 * and Mermaid ones.
 */
import type { Pipeline } from '../model.js';
import { describeAcls } from './acls.js';
import { describeAsyncApi } from './asyncapi.js';
import { describeDot } from './dot.js';
import { describeMermaid } from './mermaid.js';
import { describeText } from './text.js';

export const describeFormats = {
  text: describeText,
  mermaid: describeMermaid,
  dot: describeDot,
  json: (pipeline: Pipeline) => `${JSON.stringify(pipeline, null, 2)}\n`,
  asyncapi: (pipeline: Pipeline) => describeAsyncApi(pipeline),
  acls: describeAcls,
} as const;

export type DescribeFormat = keyof typeof describeFormats;

export function describePipeline(pipeline: Pipeline, format: DescribeFormat = 'text'): string {
  return describeFormats[format](pipeline);
}

export { describeAcls, describeAsyncApi, describeDot, describeMermaid, describeText };
