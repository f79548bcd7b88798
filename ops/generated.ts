/**
 * The deployment files generated from pipeline.yaml, committed, and kept fresh
 * by ops/generated.test.ts:
 *   pipeline.qdrant.yaml  the default pipeline with its vectors in Qdrant (what the
 *                         compose stack and deployments run): a copy, so the two
 *                         never drift apart
 *   docs/asyncapi.yaml    `aura describe --format asyncapi pipeline.yaml`
 *   docs/deployment.md    its ACL section: `aura describe --format acls pipeline.qdrant.yaml`
 * Rewrite them with `aura docs` (`aura docs --check` only compares); `aura docs` writes the reference docs too.
 * Compiled with an empty environment: the `${VAR:-default}` defaults, never the
 * caller's shell, decide what is committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Node, parseDocument } from 'yaml';
import { REPO_ROOT } from '../cli/generated-files.js';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { compilePipeline } from '../topology/compile.js';
import { describeAcls } from '../topology/describe/acls.js';
import { describeAsyncApi } from '../topology/describe/asyncapi.js';
import type { Pipeline } from '../topology/model.js';

export const QDRANT_PIPELINE = 'pipeline.qdrant.yaml';
/** The vector sink resource that the Qdrant variant replaces. */
export const VECTOR_RESOURCE = 'context_vectors';

const QDRANT_RESOURCE = [
  'type: qdrant                  # a Qdrant collection (docker-compose.dev.yml runs Qdrant; Qdrant Cloud in production)',
  'url: ${QDRANT_URL:-http://localhost:6333}',
  'api_key: ${QDRANT_API_KEY:-}  # Qdrant Cloud; empty for a local Qdrant without auth',
  'collection: ${QDRANT_COLLECTION:-aura360_contexts}',
];

const HEADER = [
  '# GENERATED from pipeline.yaml by `aura docs`: edit pipeline.yaml, not this file.',
  `# The default pipeline with its vector sink (${VECTOR_RESOURCE}) in Qdrant instead of the embedded store:`,
  '# what docker-compose.dev.yml and the deployment of docs/deployment.md run. QDRANT_URL, QDRANT_API_KEY',
  '# and QDRANT_COLLECTION choose the server and the collection.',
  '#',
];

export const ACL_BEGIN = `<!-- BEGIN GENERATED: aura describe --format acls ${QDRANT_PIPELINE} (aura docs) -->`;
export const ACL_END = '<!-- END GENERATED -->';

/** pipeline.yaml with its vector resource replaced by Qdrant; everything else byte for byte. */
export function qdrantVariant(source: string): string {
  const doc = parseDocument(source);
  const node = doc.getIn(['resources', VECTOR_RESOURCE], true) as Node | undefined;
  if (!node?.range) throw new AuraError(ErrorCodes.CONFIG_INVALID, `pipeline.yaml has no resources.${VECTOR_RESOURCE} to put in Qdrant`);
  const [start, , end] = node.range;
  const indent = ' '.repeat(start - (source.lastIndexOf('\n', start - 1) + 1));
  const block = QDRANT_RESOURCE.map((line, i) => (i === 0 ? line : indent + line)).join('\n') + '\n';
  const replaced = source.slice(0, start) + block + source.slice(end);
  // The yaml-language-server line must stay first for editors.
  const nl = replaced.indexOf('\n') + 1;
  return replaced.startsWith('# yaml-language-server')
    ? replaced.slice(0, nl) + HEADER.join('\n') + '\n' + replaced.slice(nl)
    : HEADER.join('\n') + '\n' + replaced;
}

export function compileForDocs(source: string, file: string): Pipeline {
  const result = compilePipeline(source, file, { env: {} });
  if (!result.pipeline)
    throw new AuraError(
      ErrorCodes.PIPELINE_INVALID,
      `${file} does not compile: ${result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('; ')}`,
    );
  return result.pipeline;
}

/** `doc` with the text between the ACL markers replaced by `section`. */
export function withAclSection(doc: string, section: string): string {
  const a = doc.indexOf(ACL_BEGIN);
  const b = doc.indexOf(ACL_END);
  if (a < 0 || b < a) throw new AuraError(ErrorCodes.CONFIG_INVALID, `docs/deployment.md lacks the markers ${ACL_BEGIN} ... ${ACL_END}`);
  return `${doc.slice(0, a + ACL_BEGIN.length)}\n\n${section.trimEnd()}\n\n${doc.slice(b)}`;
}

/** Relative path → content, for `writeOrCheck`/`staleFiles` of cli/generated-files.ts. */
export function generatedOpsFiles(root: string = REPO_ROOT): Map<string, string> {
  const source = fs.readFileSync(path.join(root, 'pipeline.yaml'), 'utf8');
  const qdrant = qdrantVariant(source);
  const files = new Map<string, string>();
  files.set(QDRANT_PIPELINE, qdrant);
  files.set('docs/asyncapi.yaml', describeAsyncApi(compileForDocs(source, path.join(root, 'pipeline.yaml'))));
  const deployment = fs.readFileSync(path.join(root, 'docs/deployment.md'), 'utf8');
  files.set('docs/deployment.md', withAclSection(deployment, describeAcls(compileForDocs(qdrant, path.join(root, QDRANT_PIPELINE)))));
  return files;
}
