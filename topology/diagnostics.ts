/**
 * Collects diagnostics during compilation. Stages report by YAML path (the
 * collector turns it into line:col), so no stage deals with positions.
 */

import { type DiagnosticCode, DiagnosticCodes } from './diagnostic-codes.js';
import type { Diagnostic, Severity } from './model.js';
import type { Path, SourceDoc, Target } from './source-doc.js';

export class Diagnostics {
  private readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Positions whose value is unknown (a missing env var): other problems found there are consequences, not news. */
  private readonly muted = new Set<string>();

  constructor(private readonly src: SourceDoc) {}

  /** Reports `code` at the YAML node at `path` (its value by default, or its key). */
  report(code: DiagnosticCode, path: Path, message: string, options: { target?: Target; severity?: Severity } = {}): void {
    const { line, col } = this.src.locate(path, options.target ?? 'value');
    this.add(code, line, col, message, options.severity);
  }

  /** Reports `code` at character `index` of the string scalar at `path` (e.g. where an expression breaks). */
  reportInScalar(code: DiagnosticCode, path: Path, index: number, message: string): void {
    const { line, col } = this.src.locateInScalar(path, index);
    this.add(code, line, col, message);
  }

  /** Reports `code` at a character offset of the source. */
  reportAtOffset(code: DiagnosticCode, offset: number, message: string, severity?: Severity): void {
    const { line, col } = this.src.position(offset);
    this.add(code, line, col, message, severity);
  }

  /** Stops reporting anything but `code` at a character offset (e.g. after MISSING_ENV there). */
  muteAtOffset(offset: number, except: DiagnosticCode): void {
    const { line, col } = this.src.position(offset);
    this.muted.add(`${line}:${col}:${except}`);
  }

  add(code: DiagnosticCode, line: number, col: number, message: string, severity?: Severity): void {
    const mutedHere = [...this.muted].find((m) => m.startsWith(`${line}:${col}:`));
    if (mutedHere && !mutedHere.endsWith(`:${code}`)) return;
    const diagnostic: Diagnostic = {
      file: this.src.file,
      line,
      col,
      severity: severity ?? DiagnosticCodes[code].severity,
      code,
      message,
    };
    const id = `${line}:${col}:${code}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.items.push(diagnostic);
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** Errors in the order of the file, then by column. */
  sorted(): Diagnostic[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
  }
}
