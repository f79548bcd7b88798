/**
 * The compatibility rules of event schemas (JSON Schema draft-07), one entry
 * per rule: the single source for the checker's codes and for the table in
 * docs/pipeline-changes.md. Codes are stable: add, never rename.
 *
 * Every rule says in which direction the set of valid values moved:
 *  - `stricter`: some value the deployed schema accepts is rejected by the new
 *    one — not BACKWARD compatible (old records, and clients not yet updated,
 *    send values the new schema refuses).
 *  - `looser`: some value the new schema accepts was rejected by the deployed
 *    one — not FORWARD compatible (readers built against the deployed schema
 *    may receive values they do not expect).
 * Where the checker cannot decide (a pattern replaced by another, a changed
 * `if`), it assumes `stricter` and says so: a false alarm is cheaper than a
 * rejected client.
 */

export type CompatDirection = 'stricter' | 'looser';

export interface CompatRuleInfo {
  direction: CompatDirection;
  /** For the docs: what the rule catches, with an example. */
  summary: string;
}

export const CompatRules = {
  TYPE_NARROWED: {
    direction: 'stricter',
    summary: 'A `type` allows fewer types (`["string","null"]` → `"string"`, `number` → `integer`), or a `type` appears where there was none.',
  },
  TYPE_WIDENED: { direction: 'looser', summary: 'A `type` allows more types, or is removed.' },
  REQUIRED_ADDED: { direction: 'stricter', summary: 'A field becomes required (`required: [..., "mood"]`): values without it were valid.' },
  REQUIRED_REMOVED: { direction: 'looser', summary: 'A field is no longer required: readers may get values without it.' },
  PROPERTY_ADDED: { direction: 'looser', summary: 'A property is declared in an object that did not allow other properties (`additionalProperties: false`).' },
  PROPERTY_CONSTRAINED: {
    direction: 'stricter',
    summary:
      'A property is declared, with constraints, in an object that allowed any other property: a value of it the deployed schema let through may now be rejected.',
  },
  PROPERTY_REMOVED: {
    direction: 'stricter',
    summary: 'A property is removed from an object that does not allow other properties: values carrying it are rejected.',
  },
  PROPERTY_UNCONSTRAINED: {
    direction: 'looser',
    summary: 'A property is removed from an object that allows other properties: its values are no longer checked.',
  },
  ADDITIONAL_CLOSED: {
    direction: 'stricter',
    summary: '`additionalProperties: false` is added (or its schema made stricter): values with other properties are rejected.',
  },
  ADDITIONAL_OPENED: { direction: 'looser', summary: '`additionalProperties: false` is removed: values may carry properties readers do not know.' },
  ENUM_SHRUNK: { direction: 'stricter', summary: 'An `enum` (or `const`) allows fewer values, or appears where any value was allowed.' },
  ENUM_GROWN: { direction: 'looser', summary: 'An `enum` allows more values, or is removed: readers may get a value they have no case for.' },
  MIN_RAISED: { direction: 'stricter', summary: 'A lower bound is raised or added: `minimum`, `exclusiveMinimum`, `minLength`, `minItems`, `minProperties`.' },
  MIN_LOWERED: { direction: 'looser', summary: 'A lower bound is lowered or removed.' },
  MAX_LOWERED: {
    direction: 'stricter',
    summary: 'An upper bound is lowered or added: `maximum`, `exclusiveMaximum`, `maxLength`, `maxItems`, `maxProperties`.',
  },
  MAX_RAISED: { direction: 'looser', summary: 'An upper bound is raised or removed.' },
  PATTERN_CHANGED: {
    direction: 'stricter',
    summary: 'A `pattern` is added or replaced (whether the new one accepts every string the old one did cannot be decided: assumed stricter).',
  },
  PATTERN_REMOVED: { direction: 'looser', summary: 'A `pattern` is removed.' },
  FORMAT_CHANGED: { direction: 'stricter', summary: 'A `format` (`uuid`, `date-time`, ...) is added or replaced.' },
  FORMAT_REMOVED: { direction: 'looser', summary: 'A `format` is removed.' },
  MULTIPLE_OF_CHANGED: { direction: 'stricter', summary: 'A `multipleOf` is added or replaced.' },
  MULTIPLE_OF_REMOVED: { direction: 'looser', summary: 'A `multipleOf` is removed.' },
  UNIQUE_ITEMS_ADDED: { direction: 'stricter', summary: '`uniqueItems: true` is added.' },
  UNIQUE_ITEMS_REMOVED: { direction: 'looser', summary: '`uniqueItems: true` is removed.' },
  SCHEMA_ADDED: { direction: 'stricter', summary: 'A topic gets a schema where it had none: its values were not checked before.' },
  SCHEMA_REMOVED: { direction: 'looser', summary: "A topic's schema is removed: its values are no longer checked." },
  UNCHECKED_CHANGE: {
    direction: 'stricter',
    summary:
      'A change the checker cannot compare (`$ref` to another schema, `if`/`not`, a different number of `anyOf`/`oneOf`/`allOf` branches, `patternProperties`, ...): assumed stricter; check it by hand.',
  },
} as const satisfies Record<string, CompatRuleInfo>;

export type CompatRule = keyof typeof CompatRules;

/** One incompatibility, at the path of the value it concerns. */
export interface CompatFinding {
  rule: CompatRule;
  direction: CompatDirection;
  /**
   * JSON pointer of the value inside a record: `/data/score`; `""` is the
   * record itself, `/emotions/*` any item of a list, `/*` any other property.
   */
  path: string;
  /** JSON pointer, in the new schema document, of the keyword that changed (or of the schema holding it when it was removed). */
  schemaPath: string;
  message: string;
}
