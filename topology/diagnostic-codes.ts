/**
 * Every code the pipeline compiler reports, with a one-line explanation. The
 * single source for the reference docs (`aura docs`) and for tooling that
 * filters diagnostics. Codes are stable: add, never rename.
 */
import type { Severity } from './model.js';

export interface DiagnosticCodeInfo {
  severity: Severity;
  summary: string;
}

export const DiagnosticCodes = {
  YAML_SYNTAX: { severity: 'error', summary: 'The file is not well-formed YAML.' },
  FILE_UNREADABLE: { severity: 'error', summary: 'The pipeline file could not be read.' },
  MISSING_ENV: { severity: 'error', summary: 'A `${VAR}` names an environment variable that is not set and has no `:-default`.' },
  SCHEMA: { severity: 'error', summary: 'The document does not match the pipeline schema (a wrong shape not covered by a more specific code).' },
  UNKNOWN_FIELD: { severity: 'error', summary: 'A field that this section does not have (often a typo: the message suggests the closest field).' },
  WRONG_SECTION: {
    severity: 'error',
    summary:
      'An entry written in the wrong section (an `aggregate` under `joins:`, a join under `processors:`, a store under `topics:`): reported once, with the section it belongs under.',
  },
  MISSING_FIELD: { severity: 'error', summary: 'A required field is absent.' },
  INVALID_VALUE: { severity: 'error', summary: 'A value of the wrong type or outside the allowed values.' },
  INVALID_CONFIG: { severity: 'error', summary: "A processor's `config` (or a resource's fields) does not match its type's schema." },
  INVALID_EXPRESSION: { severity: 'error', summary: 'A JSONata expression does not parse.' },
  UNKNOWN_TOPIC: { severity: 'error', summary: 'A reference to a topic id that is not declared under `topics:`.' },
  UNKNOWN_STORE: { severity: 'error', summary: 'A reference to a store id that is not declared under `stores:`.' },
  UNKNOWN_NODE: { severity: 'error', summary: '`from`, `left` or `right` names neither a topic nor a processor or join.' },
  UNKNOWN_PORT: {
    severity: 'error',
    summary: 'A `node.port` (or a `to:` map key) names a port the node does not have, or a node with several ports is read without naming one.',
  },
  UNKNOWN_RESOURCE: { severity: 'error', summary: 'A processor config refers to a resource id that is not declared under `resources:`.' },
  UNKNOWN_SCHEMA: { severity: 'error', summary: 'An event schema refers (`$ref`) to a schema that does not exist.' },
  UNKNOWN_PROCESSOR_TYPE: { severity: 'error', summary: 'A processor `type` that is not one of the processor types.' },
  UNKNOWN_RESOURCE_TYPE: { severity: 'error', summary: 'A resource `type` that is not one of the resource types.' },
  RESOURCE_KIND_MISMATCH: { severity: 'error', summary: 'A processor refers to a resource of the wrong role (e.g. an advisor where an embedder is needed).' },
  DUPLICATE_NAME: { severity: 'error', summary: 'The same id is used twice (a processor and a join, two keys of a map) or two topics share a physical name.' },
  CYCLE: { severity: 'error', summary: 'Records would flow in a loop: through processors, joins, or a topic written downstream of where it is read.' },
  NOT_COPARTITIONED: {
    severity: 'error',
    summary: 'Topics read together (the two sides of a join, or the sources of one sub-topology) differ in partition count or key.',
  },
  INVALID_WINDOW: {
    severity: 'error',
    summary:
      'A window that cannot work: non-positive size, hop larger than the window, negative grace, retention shorter than size + grace, context window without `max_events`/`span`.',
  },
  STORE_KIND_MISMATCH: {
    severity: 'error',
    summary: 'A store of the wrong kind for its use (e.g. a key_value store for a windowed aggregate, a non-table on the right of a stream-table join).',
  },
  MISSING_STORE: { severity: 'error', summary: 'A processor that keeps state (e.g. `aggregate`) has no `store`.' },
  SCHEMA_NOT_FOUND: { severity: 'error', summary: 'A topic names an event schema with no file `schemas/events/<id>.schema.json`.' },
  SCHEMA_INVALID: { severity: 'error', summary: 'An event schema file is not valid JSON or not a valid JSON Schema.' },
  INVALID_FORMAT: {
    severity: 'error',
    summary:
      'A topic `format` that cannot work: `json_sr`/`avro` without a schema, an `.avsc` file that is missing or not Avro, a JSON Schema Avro cannot represent, or a registry format on the dead letter topic or a table topic.',
  },
  INVALID_KAFKA_PROPERTY: {
    severity: 'error',
    summary:
      'A `kafka:` property that librdkafka does not have (the message suggests the closest), that aura-streams sets itself, or that belongs to the other client role.',
  },
  UNUSED_TOPIC: {
    severity: 'warning',
    summary: 'A topic that no processor or join reads or writes (and is not the dead letter topic). Reported once the pipeline has no errors.',
  },
  UNUSED_STORE: { severity: 'warning', summary: 'A store that no processor or join uses. Reported once the pipeline has no errors.' },
} as const satisfies Record<string, DiagnosticCodeInfo>;

export type DiagnosticCode = keyof typeof DiagnosticCodes;
