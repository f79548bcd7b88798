/**
 * Compares a deployed event schema with its new version, keyword by keyword,
 * and names every place where the set of valid values moved (stricter or
 * looser: see compatibility-rules.ts), at the JSON pointer of the value it
 * concerns. Like the Schema Registry's JSON Schema checks, it reasons about
 * keywords, not about every possible value: where it cannot decide it says so
 * (UNCHECKED_CHANGE). `$ref`s to other files are compared as those files
 * (each schema file is checked on its own); `#/...` refs are followed.
 */
import { sameJson } from '../common/canonical-json.js';
import { type CompatFinding, type CompatRule, CompatRules } from './compatibility-rules.js';

type Obj = Record<string, unknown>;
type Schema = Obj | boolean;

interface Ctx {
  oldRoot: unknown;
  newRoot: unknown;
  findings: CompatFinding[];
  /** The documents' definitions differ: equal `#/...` refs may point at different schemas, so equal text proves nothing. */
  definitionsDiffer: boolean;
}

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
]);
const HANDLED = new Set([
  ...ANNOTATIONS,
  ...['$ref', 'type', 'enum', 'const', 'pattern', 'format', 'multipleOf', 'uniqueItems', 'required', 'properties', 'additionalProperties', 'items'],
  ...['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'],
  ...['allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'definitions'],
]);
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const ALL_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string'];
const MAX_DEPTH = 64;

/** Every difference between `deployed` and `next` that changes which values are valid. */
export function compareSchemas(deployed: unknown, next: unknown): CompatFinding[] {
  const defs = (x: unknown) => (x && typeof x === 'object' ? [(x as Obj).definitions, (x as Obj).$defs] : []);
  const ctx: Ctx = { oldRoot: deployed, newRoot: next, findings: [], definitionsDiffer: !sameJson(defs(deployed), defs(next)) };
  compare(asSchema(deployed), asSchema(next), { path: '', schema: '' }, ctx, 0);
  return ctx.findings;
}

function asSchema(x: unknown): Schema {
  return typeof x === 'boolean' ? x : x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {};
}

/** Where a finding is: the value's pointer in records, and the keyword's pointer in the new schema document. */
interface At {
  path: string;
  schema: string;
}

function report(ctx: Ctx, rule: CompatRule, at: At, message: string, keyword?: string): void {
  ctx.findings.push({ rule, direction: CompatRules[rule].direction, path: at.path, schemaPath: keyword ? `${at.schema}/${keyword}` : at.schema, message });
}

const show = (v: unknown) => JSON.stringify(v);
/** Two subschemas are certainly equivalent. */
const same = (ctx: Ctx, a: unknown, b: unknown) => sameJson(a, b) && !(ctx.definitionsDiffer && JSON.stringify(a ?? null).includes('"$ref":"#'));
const isTrivial = (s: Schema): boolean => s === true || (typeof s === 'object' && Object.keys(s).every((k) => ANNOTATIONS.has(k)));

function compare(oldIn: Schema, newIn: Schema, atIn: At, ctx: Ctx, depth: number): void {
  if (depth > MAX_DEPTH) return;
  const o = resolveLocal(oldIn, ctx.oldRoot).schema;
  const resolved = resolveLocal(newIn, ctx.newRoot);
  const n = resolved.schema;
  const at = { path: atIn.path, schema: resolved.pointer ?? atIn.schema };
  if (same(ctx, o, n)) return;
  if (typeof o === 'boolean' || typeof n === 'boolean') {
    if (n === false || (o === true && !isTrivial(n)))
      report(ctx, 'TYPE_NARROWED', at, n === false ? 'no value is allowed any more (schema `false`)' : 'the value is constrained where anything was allowed');
    else report(ctx, 'TYPE_WIDENED', at, o === false ? 'values are allowed where none were (schema `false`)' : 'any value is allowed now (schema `true`)');
    return;
  }
  // draft-07: a schema with $ref is that reference; its other keywords are ignored.
  if (typeof o.$ref === 'string' || typeof n.$ref === 'string') {
    if (o.$ref !== n.$ref)
      report(
        ctx,
        'UNCHECKED_CHANGE',
        at,
        `the schema changed from ${describeRef(o)} to ${describeRef(n)}: compare them by hand`,
        n.$ref === undefined ? undefined : '$ref',
      );
    return;
  }
  checkTypes(o, n, at, ctx);
  checkEnum(o, n, at, ctx);
  checkBounds(o, n, at, ctx);
  checkKeyword(o, n, at, ctx, 'pattern', ['PATTERN_CHANGED', 'PATTERN_REMOVED']);
  checkKeyword(o, n, at, ctx, 'format', ['FORMAT_CHANGED', 'FORMAT_REMOVED']);
  checkKeyword(o, n, at, ctx, 'multipleOf', ['MULTIPLE_OF_CHANGED', 'MULTIPLE_OF_REMOVED']);
  if (Boolean(o.uniqueItems) !== Boolean(n.uniqueItems))
    report(
      ctx,
      n.uniqueItems ? 'UNIQUE_ITEMS_ADDED' : 'UNIQUE_ITEMS_REMOVED',
      at,
      n.uniqueItems ? 'list items must now be unique' : 'list items may now repeat',
      keywordAt(n, 'uniqueItems'),
    );
  checkObject(o, n, at, ctx, depth);
  checkItems(o, n, at, ctx, depth);
  checkComposition(o, n, at, ctx, depth);
  const other = [...new Set([...Object.keys(o), ...Object.keys(n)])].filter((k) => !HANDLED.has(k) && k !== '$defs' && !sameJson(o[k], n[k]));
  if (other.length > 0) report(ctx, 'UNCHECKED_CHANGE', at, `${other.map((k) => `"${k}"`).join(', ')} changed: compare by hand`);
}

function describeRef(s: Obj): string {
  return typeof s.$ref === 'string' ? `"$ref": ${show(s.$ref)}` : 'an inline schema';
}

/** The keyword when the schema has it (so a finding points at it), else the schema itself. */
const keywordAt = (s: Obj, k: string) => (s[k] === undefined ? undefined : k);

/** Follows `#/...` references inside the same document; `pointer` is where it landed. */
function resolveLocal(s: Schema, root: unknown, seen = 0): { schema: Schema; pointer?: string } {
  if (typeof s !== 'object' || typeof s.$ref !== 'string' || !s.$ref.startsWith('#') || seen > 16) return { schema: s };
  let node: unknown = root;
  for (const part of s.$ref.slice(1).split('/').filter(Boolean)) node = (node as Obj | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) return { schema: s };
  const next = resolveLocal(asSchema(node), root, seen + 1);
  return { schema: next.schema, pointer: next.pointer ?? s.$ref.slice(1) };
}

function typesOf(s: Obj): string[] | undefined {
  if (typeof s.type === 'string') return [s.type];
  return Array.isArray(s.type) ? (s.type as string[]) : undefined;
}

/** `integer` is a kind of `number`. */
const covers = (types: string[], t: string) => types.includes(t) || (t === 'integer' && types.includes('number'));

function checkTypes(o: Obj, n: Obj, at: At, ctx: Ctx): void {
  const before = typesOf(o);
  const after = typesOf(n);
  if (sameJson(before, after)) return;
  const lost = (before ?? ALL_TYPES).filter((t) => !covers(after ?? ALL_TYPES, t));
  const gained = (after ?? ALL_TYPES).filter((t) => !covers(before ?? ALL_TYPES, t));
  const was = before ? before.join(' or ') : 'any type';
  const now = after ? after.join(' or ') : 'any type';
  if (lost.length > 0) report(ctx, 'TYPE_NARROWED', at, `type narrowed from ${was} to ${now} (${lost.join(', ')} no longer accepted)`, keywordAt(n, 'type'));
  if (gained.length > 0) report(ctx, 'TYPE_WIDENED', at, `type widened from ${was} to ${now}`, keywordAt(n, 'type'));
}

function enumOf(s: Obj): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  return 'const' in s ? [s.const] : undefined;
}

function checkEnum(o: Obj, n: Obj, at: At, ctx: Ctx): void {
  const before = enumOf(o);
  const after = enumOf(n);
  if (sameJson(before, after)) return;
  const k = Array.isArray(n.enum) ? 'enum' : keywordAt(n, 'const');
  if (!after) return report(ctx, 'ENUM_GROWN', at, `any value is allowed now (was one of ${before!.map(show).join(', ')})`);
  if (!before) return report(ctx, 'ENUM_SHRUNK', at, `must now be one of ${after.map(show).join(', ')}`, k);
  const key = (v: unknown) => show(v);
  const removed = before.filter((v) => !after.some((w) => key(w) === key(v)));
  const added = after.filter((v) => !before.some((w) => key(w) === key(v)));
  if (removed.length > 0) report(ctx, 'ENUM_SHRUNK', at, `no longer allows ${removed.map(show).join(', ')}`, k);
  if (added.length > 0) report(ctx, 'ENUM_GROWN', at, `now also allows ${added.map(show).join(', ')}`, k);
}

function checkBounds(o: Obj, n: Obj, at: At, ctx: Ctx): void {
  for (const [keywords, tighter, looser] of [
    [LOWER_BOUNDS, 'MIN_RAISED', 'MIN_LOWERED'],
    [UPPER_BOUNDS, 'MAX_LOWERED', 'MAX_RAISED'],
  ] as const) {
    const sign = tighter === 'MIN_RAISED' ? 1 : -1;
    for (const k of keywords) {
      const before = typeof o[k] === 'number' ? (o[k] as number) : undefined;
      const after = typeof n[k] === 'number' ? (n[k] as number) : undefined;
      if (before === after) continue;
      if (after === undefined) report(ctx, looser, at, `${k} ${before} removed`);
      else if (before === undefined) report(ctx, tighter, at, `${k} ${after} added`, k);
      else report(ctx, (after - before) * sign > 0 ? tighter : looser, at, `${k} changed from ${before} to ${after}`, k);
    }
  }
}

function checkKeyword(o: Obj, n: Obj, at: At, ctx: Ctx, k: string, [changed, removed]: [CompatRule, CompatRule]): void {
  if (sameJson(o[k], n[k])) return;
  if (n[k] === undefined) report(ctx, removed, at, `${k} ${show(o[k])} removed`);
  else report(ctx, changed, at, o[k] === undefined ? `${k} ${show(n[k])} added` : `${k} changed from ${show(o[k])} to ${show(n[k])}`, k);
}

/** `additionalProperties`: absent or true = open, false = closed, else a schema. */
function additional(s: Obj): Schema {
  return s.additionalProperties === undefined ? true : asSchema(s.additionalProperties);
}

const escapePointer = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');
const child = (path: string, name: string) => `${path}/${escapePointer(name)}`;
/** The value's pointer one level down, and the subschema's pointer in the schema document. */
const down = (at: At, name: string, schemaPath: string): At => ({ path: child(at.path, name), schema: `${at.schema}/${schemaPath}` });

function checkObject(o: Obj, n: Obj, at: At, ctx: Ctx, depth: number): void {
  const reqBefore = new Set(Array.isArray(o.required) ? (o.required as string[]) : []);
  const reqAfter = new Set(Array.isArray(n.required) ? (n.required as string[]) : []);
  const req = (f: string): At => ({ path: child(at.path, f), schema: at.schema });
  const required = Array.isArray(n.required) ? (n.required as string[]) : [];
  for (const f of reqAfter) if (!reqBefore.has(f)) report(ctx, 'REQUIRED_ADDED', req(f), `"${f}" is now required`, `required/${required.indexOf(f)}`);
  for (const f of reqBefore) if (!reqAfter.has(f)) report(ctx, 'REQUIRED_REMOVED', req(f), `"${f}" is no longer required`, keywordAt(n, 'required'));

  const propsBefore = (o.properties ?? {}) as Record<string, Schema>;
  const propsAfter = (n.properties ?? {}) as Record<string, Schema>;
  const addBefore = additional(o);
  const addAfter = additional(n);
  for (const name of Object.keys(propsAfter)) {
    const p = down(at, name, `properties/${escapePointer(name)}`);
    if (name in propsBefore) compare(propsBefore[name], propsAfter[name], p, ctx, depth + 1);
    else if (addBefore === false) report(ctx, 'PROPERTY_ADDED', p, `"${name}" is a new property; the deployed schema rejects values that have it`);
    else if (addBefore === true) {
      if (!isTrivial(propsAfter[name]))
        report(ctx, 'PROPERTY_CONSTRAINED', p, `"${name}" is now declared (${summarize(propsAfter[name])}); any value of it was allowed before`);
    } else compare(addBefore, propsAfter[name], p, ctx, depth + 1);
  }
  for (const name of Object.keys(propsBefore)) {
    if (name in propsAfter) continue;
    const p = { path: child(at.path, name), schema: n.properties ? `${at.schema}/properties` : at.schema };
    if (addAfter === false) report(ctx, 'PROPERTY_REMOVED', p, `"${name}" was removed and other properties are not allowed: values that have it are rejected`);
    else if (addAfter === true) {
      if (!isTrivial(propsBefore[name])) report(ctx, 'PROPERTY_UNCONSTRAINED', p, `"${name}" was removed: any value of it is allowed now`);
    } else compare(propsBefore[name], addAfter, { ...p, schema: `${at.schema}/additionalProperties` }, ctx, depth + 1);
  }
  if (same(ctx, addBefore, addAfter)) return;
  const others = down(at, '*', 'additionalProperties');
  if (addAfter === false) report(ctx, 'ADDITIONAL_CLOSED', others, 'additionalProperties: false added: properties not declared are rejected');
  else if (addBefore === false)
    report(
      ctx,
      'ADDITIONAL_OPENED',
      n.additionalProperties === undefined ? { ...others, schema: at.schema } : others,
      'additionalProperties: false removed: values may carry undeclared properties',
    );
  else compare(addBefore, addAfter, n.additionalProperties === undefined ? { ...others, schema: at.schema } : others, ctx, depth + 1);
}

function summarize(s: Schema): string {
  if (typeof s === 'boolean') return s ? 'anything' : 'nothing';
  const parts = Object.keys(s)
    .filter((k) => !ANNOTATIONS.has(k))
    .map((k) => `${k}: ${show(s[k])}`);
  const text = parts.join(', ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function checkItems(o: Obj, n: Obj, at: At, ctx: Ctx, depth: number): void {
  if (same(ctx, o.items, n.items)) return;
  if (Array.isArray(o.items) || Array.isArray(n.items)) {
    const a = Array.isArray(o.items) ? o.items : [];
    const b = Array.isArray(n.items) ? n.items : [];
    if (!Array.isArray(o.items) || !Array.isArray(n.items) || a.length !== b.length) {
      report(
        ctx,
        'UNCHECKED_CHANGE',
        { path: child(at.path, '*'), schema: at.schema },
        'the item schemas of the list changed shape (tuple vs list): compare by hand',
        keywordAt(n, 'items'),
      );
      return;
    }
    a.forEach((item, i) => compare(asSchema(item), asSchema(b[i]), down(at, String(i), `items/${i}`), ctx, depth + 1));
    return;
  }
  const items = n.items === undefined ? { path: child(at.path, '*'), schema: at.schema } : down(at, '*', 'items');
  compare(o.items === undefined ? true : asSchema(o.items), n.items === undefined ? true : asSchema(n.items), items, ctx, depth + 1);
}

function checkComposition(o: Obj, n: Obj, at: At, ctx: Ctx, depth: number): void {
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    if (same(ctx, o[k], n[k])) continue;
    const a = Array.isArray(o[k]) ? (o[k] as unknown[]) : [];
    const b = Array.isArray(n[k]) ? (n[k] as unknown[]) : [];
    if (a.length !== b.length) {
      report(ctx, 'UNCHECKED_CHANGE', at, `"${k}" has ${b.length} branches instead of ${a.length}: compare by hand`, keywordAt(n, k));
      continue;
    }
    // Same number of branches: compared pairwise, in order (a branch that became stricter makes the whole stricter, conservatively).
    a.forEach((branch, i) => compare(asSchema(branch), asSchema(b[i]), { path: at.path, schema: `${at.schema}/${k}/${i}` }, ctx, depth + 1));
  }
  if (!sameJson(o.if, n.if)) {
    report(ctx, 'UNCHECKED_CHANGE', at, '"if" changed: which values "then"/"else" apply to moved; compare by hand', keywordAt(n, 'if'));
    return;
  }
  for (const k of ['then', 'else']) {
    if (o[k] === undefined && n[k] === undefined) continue;
    if (same(ctx, o[k], n[k])) continue;
    compare(
      o[k] === undefined ? true : asSchema(o[k]),
      n[k] === undefined ? true : asSchema(n[k]),
      { path: at.path, schema: n[k] === undefined ? at.schema : `${at.schema}/${k}` },
      ctx,
      depth + 1,
    );
  }
}
