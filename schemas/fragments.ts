/**
 * JSON Schema fragments shared by the pipeline DSL schema and the processor /
 * resource config schemas. Plain objects (draft-07), no ajv-specific keywords,
 * so the generated `schemas/pipeline.schema.json` works in any editor.
 */
import { DURATION_PATTERN, SIGNED_DURATION_PATTERN } from './duration.js';

/** Ids of topics, stores, resources, processors and joins: no dots (they separate `node.port`) and no dashes (they separate generated names like `<topic>-source`). */
export const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_]*$';

export function idSchema(description: string): Record<string, unknown> {
  return { type: 'string', pattern: ID_PATTERN, description };
}

/** `$comment` marker (a standard, validator-ignored keyword) that lets error messages say "must be a duration". */
export const DURATION_COMMENT = 'duration';

export function durationSchema(description: string, defaultValue?: string | number): Record<string, unknown> {
  return {
    $comment: DURATION_COMMENT,
    description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    anyOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', pattern: DURATION_PATTERN },
    ],
  };
}

/** Window fields accept a sign so that a negative value gets a precise INVALID_WINDOW diagnostic rather than a pattern mismatch. */
export function signedDurationSchema(description: string, defaultValue?: string | number): Record<string, unknown> {
  return {
    $comment: DURATION_COMMENT,
    description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    anyOf: [{ type: 'integer' }, { type: 'string', pattern: SIGNED_DURATION_PATTERN }],
  };
}

export const FIELD_PATH_PATTERN = '^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*$';

/** A path into a record value, e.g. `data.score` or `summary_text`. */
export function fieldPathSchema(description: string, defaultValue?: string): Record<string, unknown> {
  return {
    type: 'string',
    pattern: FIELD_PATH_PATTERN,
    description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  };
}

/** A JSONata expression (checked for syntax by the compiler). */
export function expressionSchema(description: string): Record<string, unknown> {
  return { type: 'string', minLength: 1, description };
}

/** The id of a resource declared under `resources:`. */
export function resourceRefSchema(description: string): Record<string, unknown> {
  return idSchema(description);
}

export const DURATION_HELP = 'an integer of milliseconds or a string like "500ms", "30s", "10m", "2h", "7d"';
