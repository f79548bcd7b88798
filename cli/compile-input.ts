/**
 * Reads and compiles the pipeline named on the command line; an unreadable
 * file becomes a diagnostic like any other problem.
 */
import fs from 'node:fs';
import { compilePipeline } from '../topology/compile.js';
import type { CompileResult } from '../topology/model.js';

export const DEFAULT_PIPELINE = 'pipeline.yaml';

export interface CompileInputOptions {
  schemasDir?: string;
}

export function compileFile(file: string, options: CompileInputOptions = {}): CompileResult {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: 'error', code: 'FILE_UNREADABLE', message: `cannot read ${file}: ${reason}` }] };
  }
  return compilePipeline(source, file, { schemasDir: options.schemasDir });
}
