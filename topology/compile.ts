/**
 * The pipeline compiler: YAML text in, a resolved Pipeline (or every problem,
 * each at its line and column) out.
 *
 *   parse (positions kept) → ${ENV} interpolation → DSL schema → per-type
 *   configs → references → semantic checks → graph, sub-topologies, fusion, changelogs
 *
 * Every stage reports into one Diagnostics and later stages work on what is
 * still usable, so one run reports all problems.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError } from '../common/errors.js';
import { builtinProcessors, type ProcessorRegistry } from '../processors/registry.js';
import { builtinResources } from '../providers/registry.js';
import { EVENT_SCHEMAS_DIR, EventSchemaSet } from '../schemas/event-schemas.js';
import { validatorFor } from './ajv.js';
import { buildResources, buildStores, buildTopics } from './build-specs.js';
import { checkCopartitioning } from './copartition.js';
import { checkCycles } from './cycles.js';
import { Diagnostics } from './diagnostics.js';
import { dslSchema } from './dsl-schema.js';
import { interpolateEnv } from './env.js';
import { formatDiagnostic } from './format-diagnostics.js';
import { checkFormats, checkKafkaBlock } from './formats.js';
import { planFusion } from './fusion.js';
import { buildGraph } from './graph.js';
import { findMisplaced } from './misplaced.js';
import type { CompileResult, Pipeline, SourceLocation } from './model.js';
import { readDraft } from './read-draft.js';
import { resolveReferences } from './references.js';
import { translateAjvErrors } from './schema-errors.js';
import { checkSemantics } from './semantics.js';
import { type Path, SourceDoc } from './source-doc.js';
import { buildSubtopologies } from './subtopologies.js';

export interface CompileOptions {
  /** Variables for `${VAR}` interpolation. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Directory of the event schemas. Default: `schemas/events` beside the pipeline file if it exists, else the shipped schemas. */
  schemasDir?: string;
  /** The processor types the pipeline may use. Default: the built-in ones (processors/registry.ts); `builtinProcessors.with(myType)` adds one. */
  processors?: ProcessorRegistry;
}

export function compilePipeline(source: string, file: string, options: CompileOptions = {}): CompileResult {
  const src = new SourceDoc(source, file);
  const diags = new Diagnostics(src);
  if (!parse(src, diags)) return finish(diags);

  for (const missing of interpolateEnv(src.doc, options.env ?? process.env)) {
    diags.reportAtOffset(
      'MISSING_ENV',
      missing.offset,
      `environment variable ${missing.name} is not set (write \${${missing.name}:-default} to give it a default)`,
    );
    diags.muteAtOffset(missing.offset, 'MISSING_ENV');
  }
  const data = src.toData();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    diags.report('SCHEMA', [], 'a pipeline is a mapping with "app", "topics", "processors", ... (see docs/pipeline-reference.md)');
    return finish(diags);
  }
  // Before validation, which fills in the defaults of the section an entry is (wrongly) written in.
  const misplaced = findMisplaced(data, { processors: (options.processors ?? builtinProcessors).types(), resources: builtinResources.types() });
  const validate = validatorFor(dslSchema);
  if (!validate(data) || misplaced.length > 0) {
    for (const p of translateAjvErrors(validate.errors ?? [], { data, misplaced })) diags.report(p.code, p.path, p.message, { target: p.target });
  }

  const draft = readDraft(
    data as Record<string, unknown>,
    diags,
    { processors: options.processors ?? builtinProcessors, resources: builtinResources },
    misplaced,
  );
  const schemas = EventSchemaSet.cached(options.schemasDir ?? defaultSchemasDir(file));
  const links = resolveReferences(draft, diags, schemas);
  checkFormats(draft, diags, schemas, path.dirname(path.resolve(file)));
  checkKafkaBlock(draft, diags);
  checkCycles(draft, links, diags);
  const windows = checkSemantics(draft, links, diags);
  const locate = (p: Path): SourceLocation => ({ file, ...src.locate(p, 'key') });
  const graph = buildGraph(draft, links, locate);
  const subtopologies = buildSubtopologies(draft, graph);
  checkCopartitioning(draft, links, subtopologies, diags);
  if (diags.hasErrors()) return finish(diags);
  const fusion = planFusion(draft, graph, subtopologies, options.processors ?? builtinProcessors);

  const stores = buildStores(draft, windows, locate);
  const pipeline: Pipeline = {
    app: draft.app,
    file,
    defaults: draft.defaults,
    ...(draft.kafka ? { kafka: draft.kafka } : {}),
    topics: buildTopics(draft, stores, subtopologies, locate, path.dirname(path.resolve(file))),
    stores,
    resources: buildResources(draft, locate),
    nodes: Object.fromEntries(subtopologies.flatMap((st) => st.nodes).map((id) => [id, graph.nodes.get(id)!])),
    edges: graph.edges,
    subtopologies,
    fusion,
  };
  return { ...finish(diags), pipeline };
}

/** Reads, compiles and returns the pipeline at `file`; throws AuraError PIPELINE_INVALID (details.diagnostics) when it has errors. */
export function loadPipeline(file: string, options: CompileOptions = {}): Pipeline {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const diagnostics = [
      { file, line: 1, col: 1, severity: 'error' as const, code: 'FILE_UNREADABLE', message: `cannot read ${file}: ${(err as Error).message}` },
    ];
    throw new AuraError('PIPELINE_INVALID', diagnostics[0].message, { cause: err, details: { diagnostics } });
  }
  const result = compilePipeline(source, file, options);
  if (!result.ok || !result.pipeline) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 10).map(formatDiagnostic).join('\n');
    const more = errors.length > 10 ? `\n... and ${errors.length - 10} more (run \`aura validate ${file}\`)` : '';
    throw new AuraError('PIPELINE_INVALID', `${file} is not a valid pipeline:\n${shown}${more}`, { details: { diagnostics: result.diagnostics } });
  }
  return result.pipeline;
}

/** YAML syntax errors stop compilation (the document is unreliable); duplicate keys do not. */
function parse(src: SourceDoc, diags: Diagnostics): boolean {
  let ok = true;
  const lines = new Set<number>();
  for (const problem of src.problems()) {
    // One syntax error per line: the parser's follow-up complaints about the same spot add nothing.
    const { line } = src.position(problem.offset);
    if (lines.has(line)) continue;
    lines.add(line);
    if (problem.code === 'DUPLICATE_KEY') {
      const key = /^["']?([^"':\n]*)/.exec(src.source.slice(problem.offset))?.[1]?.trim() ?? '';
      diags.reportAtOffset('DUPLICATE_NAME', problem.offset, `"${key}" is defined twice in the same mapping (keys must be unique)`);
    } else {
      diags.reportAtOffset('YAML_SYNTAX', problem.offset, problem.message);
      ok = false;
    }
  }
  return ok;
}

/** Where the event schemas of the pipeline at `file` are: `schemas/events` beside it, else the shipped ones. */
export function defaultSchemasDir(file: string): string {
  const beside = path.join(path.dirname(path.resolve(file)), 'schemas', 'events');
  return fs.existsSync(beside) ? beside : EVENT_SCHEMAS_DIR;
}

function finish(diags: Diagnostics): CompileResult {
  return { ok: !diags.hasErrors(), diagnostics: diags.sorted() };
}
