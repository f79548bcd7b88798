/**
 * Per-type validation of a processor's `config` (and of a resource's fields):
 * the type's JSON Schema (INVALID_CONFIG, at the config field), the syntax of
 * its JSONata expressions (INVALID_EXPRESSION) and the type's own semantic
 * checks (e.g. INVALID_WINDOW).
 */
import jsonata from 'jsonata';
import type { ProcessorType } from '../processors/types.js';
import { validatorFor } from './ajv.js';
import { type DiagnosticCode, DiagnosticCodes } from './diagnostic-codes.js';
import type { Diagnostics } from './diagnostics.js';
import { fieldName } from './labels.js';
import { translateAjvErrors } from './schema-errors.js';
import type { Path } from './source-doc.js';

export interface CheckedConfig {
  /** The config with defaults filled in; undefined when it does not match the type's schema. */
  config?: Record<string, unknown>;
  ports?: string[];
}

/** Validates `raw` against `schema`, reporting each problem as INVALID_CONFIG under `basePath`; returns the config with defaults or undefined. */
export function validateAgainst(schema: object, raw: unknown, basePath: Path, diags: Diagnostics): Record<string, unknown> | undefined {
  const value = raw === undefined ? {} : structuredClone(raw);
  const validate = validatorFor(schema);
  if (validate(value)) return value as Record<string, unknown>;
  for (const problem of translateAjvErrors(validate.errors ?? [], { basePath, code: 'INVALID_CONFIG', data: value })) {
    diags.report(problem.code, problem.path, problem.message, { target: problem.target });
  }
  return undefined;
}

export function checkProcessorConfig(
  id: string,
  spec: ProcessorType,
  raw: unknown,
  diags: Diagnostics,
  configPath: Path = ['processors', id, 'config'],
): CheckedConfig {
  const config = validateAgainst(spec.configSchema, raw, configPath, diags);
  if (!config) return {};
  for (const { path, expression } of spec.expressions?.(config) ?? []) {
    const problem = expressionProblem(expression);
    if (problem)
      diags.reportInScalar(
        'INVALID_EXPRESSION',
        [...configPath, ...path],
        problem.index,
        `processor "${id}": invalid JSONata expression in config.${fieldName(path)}: ${problem.message}`,
      );
  }
  for (const issue of spec.check?.(config) ?? []) {
    const code: DiagnosticCode = issue.code in DiagnosticCodes ? (issue.code as DiagnosticCode) : 'INVALID_CONFIG';
    diags.report(code, [...configPath, ...issue.path], `processor "${id}": ${issue.message}`);
  }
  return { config, ports: spec.ports(config) };
}

/** jsonata's parse error for `expression` (message, and the 0-based index it points at), or undefined when it parses. */
export function expressionProblem(expression: string): { message: string; index: number } | undefined {
  try {
    jsonata(expression);
    return undefined;
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: unknown };
    // jsonata's position is where the offending token ends: point at its start (or at the end for "(end)").
    const length = typeof e.token === 'string' && e.token !== '(end)' ? e.token.length : 1;
    const index = typeof e.position === 'number' ? Math.max(0, e.position - length) : 0;
    return { message: `${e.message ?? String(err)} (at character ${index + 1} of ${JSON.stringify(expression)})`, index };
  }
}
