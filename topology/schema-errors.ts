/**
 * Turns ajv's errors into diagnostics a person understands: each at the YAML
 * node that is wrong, with "did you mean" for unknown fields and values, and
 * one message per problem (ajv's allErrors reports every failed branch of an
 * anyOf; we keep the branch the user evidently meant).
 */
import type { ErrorObject } from 'ajv';
import { closest, didYouMean, quotedList } from '../common/suggest.js';
import { DURATION_PATTERN, SIGNED_DURATION_PATTERN } from '../schemas/duration.js';
import { DURATION_COMMENT, DURATION_HELP, FIELD_PATH_PATTERN, ID_PATTERN } from '../schemas/fragments.js';
import type { DiagnosticCode } from './diagnostic-codes.js';
import { NODE_REF_PATTERN, TOPIC_NAME_PATTERN } from './dsl-schema.js';
import { entityOf, fieldName, formatValue, typeInWords } from './labels.js';
import { insideMisplaced, type Misplaced } from './misplaced.js';
import type { Path, Target } from './source-doc.js';

export interface SchemaProblem {
  code: DiagnosticCode;
  path: Path;
  target: Target;
  message: string;
}

const PATTERN_HINTS: Record<string, string> = {
  [ID_PATTERN]: 'an id: a letter, then letters, digits or "_"',
  [NODE_REF_PATTERN]: 'a topic id, a processor or join id, or "node.port"',
  [TOPIC_NAME_PATTERN]: 'a Kafka topic name: up to 249 letters, digits, ".", "_" or "-"',
  [DURATION_PATTERN]: `a duration: ${DURATION_HELP}`,
  [SIGNED_DURATION_PATTERN]: `a duration: ${DURATION_HELP}`,
  [FIELD_PATH_PATTERN]: 'a dotted field path like "data.score"',
};

const SECTION_ID_NAMES: Record<string, string> = {
  topics: 'topic id',
  stores: 'store id',
  resources: 'resource id',
  processors: 'processor id',
  joins: 'join id',
};

export interface TranslateOptions {
  /** Prefix of every instancePath (e.g. `['processors', 'x', 'config']` for a config validated on its own). */
  basePath?: Path;
  /** Code for every problem (e.g. INVALID_CONFIG); default: per keyword. */
  code?: DiagnosticCode;
  /** The validated data (lets messages mention a sibling such as the window `type`). */
  data?: unknown;
  /** Entries written in the wrong section (misplaced.ts): one WRONG_SECTION each, instead of their field-by-field errors. */
  misplaced?: readonly Misplaced[];
}

interface Ctx {
  base: Path;
  data: unknown;
}

export function translateAjvErrors(errors: readonly ErrorObject[], options: TranslateOptions = {}): SchemaProblem[] {
  const misplaced = options.misplaced ?? [];
  const kept = misplaced.length > 0 ? errors.filter((e) => !insideMisplaced(e.instancePath, misplaced)) : errors;
  const problems = translate(kept, { base: options.basePath ?? [], data: options.data });
  const wrong = misplaced.map((m): SchemaProblem => ({ code: 'WRONG_SECTION', path: m.path, target: 'key', message: m.message }));
  const all = [...wrong, ...problems];
  return options.code ? all.map((p) => ({ ...p, code: options.code as DiagnosticCode })) : all;
}

function translate(errors: readonly ErrorObject[], ctx: Ctx): SchemaProblem[] {
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const consumed = new Set<ErrorObject>();
  const problems: SchemaProblem[] = [];
  for (const composite of composites) {
    if (consumed.has(composite)) continue;
    consumed.add(composite);
    const prefix = `${composite.schemaPath}/`;
    const inner = errors.filter((e) => e.schemaPath.startsWith(prefix));
    inner.forEach((e) => consumed.add(e));
    problems.push(...translateComposite(composite, inner, ctx));
  }
  // A misspelt field ("form") also makes the field it meant ("from") missing: report the typo only.
  const typos = new Set(
    errors
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => `${e.instancePath}|${closest(String(e.params.additionalProperty), Object.keys(propertiesOf(e)))}`),
  );
  for (const error of errors) {
    if (consumed.has(error) || error.keyword === 'if' || error.propertyName !== undefined) continue;
    if (error.keyword === 'required' && typos.has(`${error.instancePath}|${String(error.params.missingProperty)}`)) continue;
    const problem = translateOne(error, ctx);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** anyOf: report the branch the value evidently aimed at, or one summary of what was expected. */
function translateComposite(error: ErrorObject, inner: ErrorObject[], ctx: Ctx): SchemaProblem[] {
  const path = [...ctx.base, ...segments(error.instancePath)];
  const branches = new Map<string, ErrorObject[]>();
  for (const e of inner) {
    const branch = e.schemaPath.slice(error.schemaPath.length + 1).split('/')[0];
    branches.set(branch, [...(branches.get(branch) ?? []), e]);
  }
  const all = [...branches.values()];
  if (all.length > 0 && all.every((errs) => errs.every((e) => e.keyword === 'required' && e.instancePath === error.instancePath))) {
    const fields = all.map((errs) => String(errs[0].params.missingProperty));
    return [{ code: 'MISSING_FIELD', path, target: 'key', message: `${where(path)} needs at least one of ${quotedList(fields)}` }];
  }
  const aimed = all.filter((errs) => !errs.some((e) => e.instancePath === error.instancePath && (e.keyword === 'type' || e.keyword === 'false schema')));
  if (aimed.length > 0) return translate(aimed[0], ctx);
  return [{ code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must be ${expected(error)} (got ${formatValue(error.data)})` }];
}

function expected(error: ErrorObject): string {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  if (parent?.$comment === DURATION_COMMENT) return `a duration: ${DURATION_HELP}`;
  const branches = (error.schema as Array<Record<string, unknown>>) ?? [];
  const words = branches.map((b, i) => {
    if (typeof b.pattern === 'string' && PATTERN_HINTS[b.pattern]) return PATTERN_HINTS[b.pattern];
    const items = b.items as Record<string, unknown> | undefined;
    // `x | list of x` reads best as "x; a list of them".
    if (b.type === 'array' && i > 0 && items && JSON.stringify(items) === JSON.stringify(branches[0])) return 'a list of them';
    return typeof b.type === 'string' ? typeInWords(b.type) : 'something else';
  });
  const distinct = [...new Set(words)];
  return distinct.length === 1 ? distinct[0] : `one of: ${distinct.join('; ')}`;
}

function translateOne(error: ErrorObject, ctx: Ctx): SchemaProblem | undefined {
  const path = [...ctx.base, ...segments(error.instancePath)];
  const p = error.params as Record<string, unknown>;
  const got = ` (got ${formatValue(error.data)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const known = Object.keys(propertiesOf(error));
      const hint = didYouMean(field, known) || (known.length > 0 && known.length <= 12 ? ` (expected one of: ${known.join(', ')})` : '');
      return { code: 'UNKNOWN_FIELD', path: [...path, field], target: 'key', message: `${owner(path, 'unknown field')} "${field}"${inside(path)}${hint}` };
    }
    case 'required':
      return { code: 'MISSING_FIELD', path, target: 'key', message: `${owner(path, 'missing required field')} "${String(p.missingProperty)}"${inside(path)}` };
    case 'propertyNames': {
      const name = String(p.propertyName);
      const what =
        path.length === 1 && SECTION_ID_NAMES[String(path[0])]
          ? SECTION_ID_NAMES[String(path[0])]
          : `name in ${fieldName(entityOf(path).rest) || 'this mapping'}`;
      const prefix = path.length === 1 ? '' : `${entityOf(path).label}: `;
      return {
        code: 'INVALID_VALUE',
        path: [...path, name],
        target: 'key',
        message: `${prefix}${what} "${name}" is not valid: it must be ${PATTERN_HINTS[ID_PATTERN]}`,
      };
    }
    case 'false schema': {
      const parent = parentValue(ctx.data, error.instancePath);
      const field = String(path[path.length - 1]);
      const parentPath = path.slice(0, -1);
      const ofType = parent && typeof parent.type === 'string' ? ` of type "${parent.type}"` : '';
      return { code: 'UNKNOWN_FIELD', path, target: 'key', message: `${owner(parentPath, 'field')} "${field}" is not allowed${inside(parentPath)}${ofType}` };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : '';
      return { code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must be one of ${quotedList(allowed)}${got}${hint}` };
    }
    case 'type':
      return {
        code: 'INVALID_VALUE',
        path,
        target: 'value',
        message: `${where(path)} must be ${String(p.type).split(',').map(typeInWords).join(' or ')}${got}`,
      };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(p.pattern)];
      return { code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must be ${hint ?? `a string matching ${String(p.pattern)}`}${got}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must be ${String(p.comparison)} ${String(p.limit)}${got}` };
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return { code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must not be empty` };
    case 'maxLength':
      return { code: 'INVALID_VALUE', path, target: 'value', message: `${where(path)} must be at most ${String(p.limit)} characters long` };
    default:
      return { code: 'SCHEMA', path, target: 'value', message: `${where(path)} ${error.message ?? 'is invalid'}` };
  }
}

function propertiesOf(error: ErrorObject): Record<string, unknown> {
  return ((error.parentSchema as Record<string, unknown> | undefined)?.properties as Record<string, unknown>) ?? {};
}

/** `processor "x": "config.batch_size"` / `"app"` — the subject of value errors. */
function where(path: Path): string {
  const { label, rest } = entityOf(path);
  if (rest.length === 0) return label === 'pipeline' ? 'the pipeline' : label;
  const field = `"${fieldName(rest)}"`;
  return label === 'pipeline' ? field : `${label}: ${field}`;
}

/** `processor "x": unknown field` / `unknown top-level field`. */
function owner(path: Path, what: string): string {
  const { label } = entityOf(path);
  if (label === 'pipeline') return path.length === 0 ? what.replace(/field$/, 'top-level field') : what;
  return `${label}: ${what}`;
}

/** ` in config.window` when the object is below the entity itself. */
function inside(path: Path): string {
  const { label, rest } = entityOf(path);
  if (rest.length > 0) return ` in ${fieldName(rest)}`;
  return label === 'pipeline' && path.length > 0 ? ` in ${fieldName(path)}` : '';
}

/** The object holding the value at `instancePath` (for "of type X" in messages). */
function parentValue(data: unknown, instancePath: string): Record<string, unknown> | undefined {
  let node: unknown = data;
  for (const s of segments(instancePath).slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(s)] : undefined;
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

function segments(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
