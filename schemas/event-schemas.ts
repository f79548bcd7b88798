/**
 * The event schemas (`schemas/events/<id>.schema.json`, JSON Schema draft-07):
 * loaded together into one ajv instance so their relative `$ref`s resolve.
 * The compiler uses this to check the schemas topics name; the gateway to
 * validate request bodies and events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** The schemas shipped with aura-streams. */
export const EVENT_SCHEMAS_DIR = fileURLToPath(new URL('./events/', import.meta.url));
/** `$id` prefix of the shipped schemas. */
export const EVENT_SCHEMA_BASE = 'https://aura360.dev/schemas/events/';

const SUFFIX = '.schema.json';

export interface EventSchemaProblem {
  id: string;
  code: 'SCHEMA_NOT_FOUND' | 'SCHEMA_INVALID' | 'UNKNOWN_SCHEMA';
  message: string;
}

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const cache = new Map<string, { signature: string; set: EventSchemaSet }>();

/** Names, sizes and modification times of the schema files: changes when any file does. */
function directorySignature(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .sort()
    .map((f) => {
      const stat = fs.statSync(path.join(dir, f));
      return `${f}:${stat.size}:${stat.mtimeMs}`;
    })
    .join('|');
}

export class EventSchemaSet {
  private readonly ajv = new Ajv({ allErrors: true, logger: false });
  private readonly keys = new Map<string, string>();
  private readonly loadProblems = new Map<string, EventSchemaProblem>();
  private readonly compiled = new Map<string, ValidateFunction | EventSchemaProblem>();

  private constructor(readonly dir: string) {
    addFormats(this.ajv);
  }

  /**
   * Like load(), but reuses the set while the directory's files are unchanged
   * (compiling schemas dominates the cost of compiling a pipeline).
   */
  static cached(dir: string = EVENT_SCHEMAS_DIR): EventSchemaSet {
    const signature = directorySignature(dir);
    const hit = cache.get(dir);
    if (hit && hit.signature === signature) return hit.set;
    const set = EventSchemaSet.load(dir);
    cache.set(dir, { signature, set });
    return set;
  }

  /** Loads every `*.schema.json` of `dir` (a missing directory is an empty set). */
  static load(dir: string = EVENT_SCHEMAS_DIR): EventSchemaSet {
    const set = new EventSchemaSet(dir);
    const files = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith(SUFFIX))
          .sort()
      : [];
    for (const file of files) set.add(file.slice(0, -SUFFIX.length), path.join(dir, file));
    return set;
  }

  private add(id: string, file: string): void {
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      this.loadProblems.set(id, { id, code: 'SCHEMA_INVALID', message: `${display(file)} is not valid JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      this.loadProblems.set(id, { id, code: 'SCHEMA_INVALID', message: `${display(file)} is not a JSON Schema (expected an object)` });
      return;
    }
    const key = typeof schema.$id === 'string' ? schema.$id : `${EVENT_SCHEMA_BASE}${id}${SUFFIX}`;
    if (!this.ajv.validateSchema(schema)) {
      // The first complaint is the useful one (the others are the same mistake seen through anyOf branches).
      const first = this.ajv.errors?.[0];
      const where = first?.instancePath || '/';
      const got = first ? ` (got ${JSON.stringify(pointer(schema, first.instancePath))})` : '';
      this.loadProblems.set(id, {
        id,
        code: 'SCHEMA_INVALID',
        message: `${display(file)} is not a valid JSON Schema: at "${where}", ${first?.message ?? 'invalid'}${got}`,
      });
      return;
    }
    try {
      this.ajv.addSchema({ ...schema, $id: key });
      this.keys.set(id, key);
    } catch (err) {
      this.loadProblems.set(id, { id, code: 'SCHEMA_INVALID', message: `${display(file)} is not a valid JSON Schema: ${(err as Error).message}` });
    }
  }

  /** Ids of the schema files found (valid or not). */
  ids(): string[] {
    return [...new Set([...this.keys.keys(), ...this.loadProblems.keys()])].sort();
  }

  fileOf(id: string): string {
    return path.join(this.dir, `${id}${SUFFIX}`);
  }

  /** Compiles schema `id` (and what it refers to); a problem when it is missing or broken. */
  check(id: string): EventSchemaProblem | undefined {
    const result = this.compile(id);
    return typeof result === 'function' ? undefined : result;
  }

  /** The validator of schema `id`; throws when it is missing or broken. */
  validator(id: string): ValidateFunction {
    const result = this.compile(id);
    if (typeof result !== 'function') throw new Error(result.message);
    return result;
  }

  private compile(id: string): ValidateFunction | EventSchemaProblem {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const result = this.compileUncached(id);
    this.compiled.set(id, result);
    return result;
  }

  private compileUncached(id: string): ValidateFunction | EventSchemaProblem {
    const problem = this.loadProblems.get(id);
    if (problem) return problem;
    const key = this.keys.get(id);
    if (!key) return { id, code: 'SCHEMA_NOT_FOUND', message: `no event schema "${id}": expected the file ${display(this.fileOf(id))}` };
    try {
      const validate = this.ajv.getSchema(key);
      if (!validate) throw new Error(`schema ${key} did not compile`);
      return validate;
    } catch (err) {
      const missingRef = (err as { missingRef?: string }).missingRef;
      if (missingRef)
        return { id, code: 'UNKNOWN_SCHEMA', message: `event schema "${id}" refers to "${missingRef}", which is not a schema in ${display(this.dir)}` };
      return { id, code: 'SCHEMA_INVALID', message: `event schema "${id}" does not compile: ${(err as Error).message}` };
    }
  }
}

/** Paths in messages are relative to the working directory when that is shorter. */
function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

function pointer(doc: unknown, instancePath: string): unknown {
  let node = doc;
  for (const part of instancePath.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}
