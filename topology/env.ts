/**
 * `${VAR}` / `${VAR:-default}` interpolation in every scalar value, done on the
 * YAML AST before validation so positions survive and errors point at the
 * scalar. `$${` escapes a literal `${`. An unquoted scalar whose text was
 * interpolated is then read the way YAML would read the result (`${N}` with
 * N=6 is the integer 6); quoted scalars stay strings.
 */

import type { Document } from 'yaml';
import { Scalar, visit } from 'yaml';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface MissingEnv {
  name: string;
  offset: number;
}

export function interpolateEnv(doc: Document, env: Record<string, string | undefined>): MissingEnv[] {
  const missing: MissingEnv[] = [];
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$${') return '${';
        const value = env[name as string];
        if (value !== undefined && (value !== '' || fallback === undefined)) return value;
        if (fallback !== undefined) return fallback;
        missing.push({ name: name as string, offset: node.range?.[0] ?? 0 });
        return '';
      });
      node.value = node.type === Scalar.PLAIN ? coerce(text) : text;
    },
  });
  return missing;
}

/** How YAML's core schema would read an unquoted scalar with this text (numbers and booleans; the rest stays a string). */
function coerce(text: string): string | number | boolean | null {
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)?$/.test(text)) return text === '' ? '' : null;
  return text;
}
