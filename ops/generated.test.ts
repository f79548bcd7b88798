/**
 * The committed generated files match their generators (ops/generated.ts):
 * docs/asyncapi.yaml, pipeline.qdrant.yaml and the ACL section of
 * docs/deployment.md. pipeline.qdrant.yaml is pipeline.yaml with only the
 * vector sink changed: the same compiled topology, and a Qdrant resource whose
 * settings come from the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, staleFiles } from '../cli/generated-files.js';
import { compilePipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { ACL_BEGIN, ACL_END, compileForDocs, generatedOpsFiles, QDRANT_PIPELINE, qdrantVariant, VECTOR_RESOURCE, withAclSection } from './generated.js';

const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');

/** The pipeline without what differs by design: locations, file name, the vector sink. */
function topologyOf(p: Pipeline): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'loc')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  const { file: _file, resources, ...rest } = p;
  const { [VECTOR_RESOURCE]: _vectors, ...others } = resources;
  return strip({ ...rest, resources: others });
}

describe('generated deployment files', () => {
  it('are up to date (else: aura docs)', () => {
    const files = generatedOpsFiles();
    expect([...files.keys()].sort()).toEqual(['docs/asyncapi.yaml', 'docs/deployment.md', QDRANT_PIPELINE].sort());
    expect(staleFiles(files), 'run `aura docs` and commit the result').toEqual([]);
  });

  it('detect a stale copy', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-generated-'));
    try {
      for (const [rel, content] of generatedOpsFiles()) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), content);
      }
      fs.appendFileSync(path.join(root, 'docs/asyncapi.yaml'), '# edited by hand\n');
      expect(staleFiles(generatedOpsFiles(), root)).toEqual(['docs/asyncapi.yaml']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('pipeline.qdrant.yaml is pipeline.yaml with the vector sink in Qdrant, configured from the environment', () => {
    const base = compileForDocs(read('pipeline.yaml'), 'pipeline.yaml');
    const qdrant = compileForDocs(read(QDRANT_PIPELINE), QDRANT_PIPELINE);
    expect(topologyOf(qdrant)).toEqual(topologyOf(base));
    expect(base.resources[VECTOR_RESOURCE]!.type).toBe('embedded');
    expect(qdrant.resources[VECTOR_RESOURCE]).toMatchObject({
      type: 'qdrant',
      config: { url: 'http://localhost:6333', api_key: '', collection: 'aura360_contexts' },
    });
    const env = { QDRANT_URL: 'http://qdrant:6333', QDRANT_API_KEY: 'k', QDRANT_COLLECTION: 'c' };
    const fromEnv = compilePipeline(read(QDRANT_PIPELINE), QDRANT_PIPELINE, { env }).pipeline!;
    expect(fromEnv.resources[VECTOR_RESOURCE]!.config).toMatchObject({ url: 'http://qdrant:6333', api_key: 'k', collection: 'c' });
    expect(read(QDRANT_PIPELINE).split('\n')[0]).toBe(read('pipeline.yaml').split('\n')[0]); // the editor's $schema line stays first
    expect(read(QDRANT_PIPELINE)).toContain('edit pipeline.yaml, not this file');
  });

  it('replaces only the ACL section of docs/deployment.md and refuses a document without its markers', () => {
    const doc = read('docs/deployment.md');
    const replaced = withAclSection(doc, 'NEW SECTION');
    expect(replaced.slice(0, replaced.indexOf(ACL_BEGIN))).toBe(doc.slice(0, doc.indexOf(ACL_BEGIN)));
    expect(replaced.slice(replaced.indexOf(ACL_END))).toBe(doc.slice(doc.indexOf(ACL_END)));
    expect(replaced).toContain(`${ACL_BEGIN}\n\nNEW SECTION\n\n${ACL_END}`);
    expect(() => withAclSection('# no markers', 'x')).toThrow(/lacks the markers/);
    expect(() => qdrantVariant('app: x\ntopics: {}\n')).toThrow(/no resources.context_vectors/);
  });
});
