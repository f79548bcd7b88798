/** JSON Schema of an `aura test` file (see docs/testing.md). */
import { DURATION_PATTERN } from '../../schemas/duration.js';

const time = { type: ['integer', 'string'], description: 'Epoch milliseconds or an ISO 8601 date.' };
const headers = { type: 'object', additionalProperties: { type: 'string' } };

const inputRecord = {
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { key: { type: ['string', 'null'] }, value: {}, timestamp: time, headers },
};

/** A map topic id → records, piped in the order written. */
const inputBatch = { type: 'object', minProperties: 1, additionalProperties: { type: 'array', items: inputRecord } };

const expectedRecord = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { key: { type: ['string', 'null'] }, value: {}, headers },
};

const testCase = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'input'],
  properties: {
    name: { type: 'string', minLength: 1 },
    input: { anyOf: [inputBatch, { type: 'array', minItems: 1, items: inputBatch }] },
    // `pattern` applies to strings only: an integer is milliseconds.
    advance_wall_clock: { type: ['integer', 'string'], minimum: 0, pattern: DURATION_PATTERN },
    start_time: time,
    expect_output: { type: 'object', additionalProperties: { type: 'array', items: expectedRecord } },
    expect_store: { type: 'object', additionalProperties: { type: 'object' } },
  },
};

export const testFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pipeline', 'tests'],
  properties: {
    pipeline: { type: 'string', minLength: 1 },
    env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    embedders: { enum: ['hashing', 'declared'] },
    start_time: time,
    tests: { type: 'array', minItems: 1, items: testCase },
  },
};
