/**
 * One ajv configuration for everything the compiler validates (the DSL,
 * processor configs, resource fields): all errors, with the failing data and
 * schemas attached (for readable messages), defaults filled in.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, logger: false });
const cache = new WeakMap<object, ValidateFunction>();

/** A validator for `schema`, compiled once per schema object. */
export function validatorFor(schema: object): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}
