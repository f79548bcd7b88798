/**
 * The files `aura serve --watch` watches: the pipeline, its event schemas
 * (`*.schema.json` of the schemas directory) and the files it names (Avro
 * schemas of topics). Directories are watched, not files: an editor that
 * saves by writing a temporary file and renaming it over the original (vim,
 * JetBrains, most "atomic save" settings) replaces the inode a file watch
 * would hold, while the directory sees the new name appear. Saves are
 * debounced (one reload for an editor's burst of writes) and a save that
 * leaves every watched file's content as it was does nothing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pipeline } from '../topology/model.js';

export const SCHEMA_SUFFIX = '.schema.json';
export const DEFAULT_DEBOUNCE_MS = 200;

export interface WatchTargets {
  /** Files, absolute. */
  files: string[];
  /** Directories whose `*.schema.json` files count, absolute. */
  schemaDirs: string[];
}

/** What a pipeline's reload depends on. */
export function watchTargets(pipeline: Pipeline, schemasDir: string): WatchTargets {
  const avro = Object.values(pipeline.topics)
    .map((t) => t.avroSchema)
    .filter((f): f is string => f !== undefined);
  return { files: [...new Set([path.resolve(pipeline.file), ...avro.map((f) => path.resolve(f))])], schemaDirs: [path.resolve(schemasDir)] };
}

/** A digest of the content of every watched file (a missing file counts as missing). */
export function contentSignature(targets: WatchTargets): string {
  const hash = createHash('sha256');
  const schemaFiles = targets.schemaDirs.flatMap((dir) => {
    try {
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(SCHEMA_SUFFIX))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
  for (const file of [...targets.files, ...schemaFiles]) {
    hash.update(`\0${file}\0`);
    try {
      hash.update(fs.readFileSync(file));
    } catch {
      hash.update('\0missing');
    }
  }
  return hash.digest('hex');
}

/**
 * `file:line:col message` of each `*.schema.json` in `dirs` that is not JSON. The compiler
 * reports such a schema where the pipeline names it; an editor wants the spot in the schema.
 */
export function schemaSyntaxErrors(dirs: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((f) => f.endsWith(SCHEMA_SUFFIX));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
        JSON.parse(text);
      } catch (err) {
        if (!(err instanceof SyntaxError)) continue;
        // V8 says where: "... in JSON at position 958".
        const at = Number(/at position (\d+)/.exec(err.message)?.[1] ?? 0);
        const before = text.slice(0, at).split('\n');
        out.push(`${file}:${before.length}:${before.at(-1)!.length + 1} error SCHEMA_SYNTAX ${err.message}`);
      }
    }
  }
  return out;
}

export interface FileWatcher {
  /** Watches these targets from now on (a reload may name other files). */
  retarget(targets: WatchTargets): void;
  close(): void;
}

/** Calls `onChange` with the changed paths once saves have been quiet for `debounceMs`. */
export function watchFiles(
  initial: WatchTargets,
  onChange: (changed: string[]) => void,
  options: { debounceMs?: number; onError?: (err: unknown, dir: string) => void } = {},
): FileWatcher {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const watchers = new Map<string, fs.FSWatcher>();
  let targets = initial;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const relevant = (file: string): boolean => targets.files.includes(file) || (file.endsWith(SCHEMA_SUFFIX) && targets.schemaDirs.includes(path.dirname(file)));
  const fire = () => {
    timer = undefined;
    const changed = [...pending];
    pending = new Set();
    onChange(changed);
  };
  const onEvent = (dir: string, name: string | Buffer | null) => {
    // Without a name (some platforms) any file of the directory may have changed: check them all.
    const changed = name ? [path.join(dir, String(name))] : targets.files.filter((f) => path.dirname(f) === dir);
    const hits = changed.filter(relevant);
    if (hits.length === 0) return;
    for (const f of hits) pending.add(f);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };
  const sync = () => {
    const dirs = new Set([...targets.files.map((f) => path.dirname(f)), ...targets.schemaDirs]);
    for (const [dir, w] of watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (watchers.has(dir) || !fs.existsSync(dir)) continue;
      const w = fs.watch(dir, { persistent: false }, (_event, name) => onEvent(dir, name));
      w.on('error', (err) => options.onError?.(err, dir));
      watchers.set(dir, w);
    }
  };
  sync();
  return {
    retarget(next) {
      targets = next;
      sync();
    },
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
