/**
 * The pipeline YAML with its positions: parsing keeps a LineCounter so every
 * diagnostic (schema errors found by path, semantic errors found by id) can be
 * reported at the line and column of the YAML node that is wrong.
 */

import type { Node, Pair } from 'yaml';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';

export type Path = ReadonlyArray<string | number>;

/** Where on a mapping entry to point: its key (unknown or misplaced field) or its value (wrong value, unknown reference). */
export type Target = 'key' | 'value';

export interface Position {
  line: number;
  col: number;
}

export interface YamlProblem {
  code: string;
  message: string;
  offset: number;
}

export class SourceDoc {
  readonly lineCounter = new LineCounter();
  readonly doc: Document;

  constructor(
    readonly source: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
  }

  /** Syntax errors (yaml's own codes, e.g. DUPLICATE_KEY, BAD_INDENT), with their offsets. */
  problems(): YamlProblem[] {
    return this.doc.errors.map((e) => ({ code: e.code, message: firstLine(e.message), offset: e.pos[0] }));
  }

  /** The document as plain data (after env interpolation, which edits the AST in place). */
  toData(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  position(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.source.length)));
    return { line, col };
  }

  /**
   * Position of the node at `path`. When the path does not exist completely
   * (a missing field), the deepest existing entry is used: its key, so that
   * "missing field" points at the entry that lacks it.
   */
  locate(path: Path, target: Target = 'value'): Position {
    const { pair, node, complete } = this.find(path);
    const keyNode = pair && (pair.key as Node | null);
    if ((target === 'key' || !complete) && keyNode?.range) return this.position(keyNode.range[0]);
    const valueNode = node as Node | null | undefined;
    if (valueNode?.range) return this.position(valueNode.range[0]);
    if (keyNode?.range) return this.position(keyNode.range[0]);
    return { line: 1, col: 1 };
  }

  /**
   * Position of character `index` inside the string scalar at `path` (e.g. where
   * a JSONata expression breaks), when the scalar is written on one line without
   * escapes; otherwise the scalar's own position.
   */
  locateInScalar(path: Path, index: number): Position {
    const { node, complete } = this.find(path);
    if (complete && isScalar(node) && typeof node.value === 'string' && node.range) {
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      const start = node.range[0] + (quoted ? 1 : 0);
      if (this.source.slice(start, start + node.value.length) === node.value) return this.position(start + Math.max(0, Math.min(index, node.value.length)));
    }
    return this.locate(path);
  }

  private find(path: Path): { pair?: Pair; node: unknown; complete: boolean } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!found) return { pair, node, complete: false };
        pair = found;
        node = found.value;
      } else if (isSeq(node) && /^\d+$/.test(String(segment)) && Number(segment) < node.items.length) {
        pair = undefined;
        node = node.items[Number(segment)];
      } else {
        return { pair, node, complete: false };
      }
    }
    return { pair, node, complete: true };
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** yaml's messages end with a code frame when prettyErrors is on; we report only the sentence. */
function firstLine(message: string): string {
  return message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}
