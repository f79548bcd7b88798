/**
 * The wording of schema diagnostics: one readable message per problem, at the
 * right node, with suggestions.
 */
import { describe, expect, it } from 'vitest';
import { compilePipeline } from './compile.js';

const base = `app: demo
topics:
  events: { name: demo.events }
  out: { name: demo.out }
processors:
  p:
    type: filter
    from: events
    to: out
    config: { condition: "true" }
`;

const messages = (yaml: string) => compilePipeline(yaml, 'p.yaml', { env: {} }).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

describe('schema diagnostics', () => {
  it('suggests the field a typo meant, and does not also report it missing', () => {
    expect(messages(base.replace('    from: events', '    form: events'))).toEqual([
      '8:5 UNKNOWN_FIELD processor "p": unknown field "form" (did you mean "from"?)',
    ]);
  });

  it('lists the allowed fields when nothing is close', () => {
    const [message] = messages(base.replace('    to: out', '    to: out\n    colour: red'));
    expect(message).toContain('unknown field "colour" (expected one of: type, from, to, store, stores, config, on_error, concurrency, description)');
  });

  it('explains durations, enums and types in words', () => {
    const yaml = base.replace('app: demo', 'app: demo\ndefaults: { retention: 1 week, processing: exactly-once, partitions: "6" }');
    expect(messages(yaml)).toEqual([
      '2:24 INVALID_VALUE defaults: "retention" must be a duration: an integer of milliseconds or a string like "500ms", "30s", "10m", "2h", "7d" (got "1 week")',
      '2:44 INVALID_VALUE defaults: "processing" must be one of "exactly_once" or "at_least_once" (got "exactly-once") (did you mean "exactly_once"?)',
      '2:70 INVALID_VALUE defaults: "partitions" must be an integer (got "6")',
    ]);
  });

  it('reports one problem for a value that matches no form of a union', () => {
    expect(messages(base.replace('    from: events', '    from: 42'))).toEqual([
      '8:11 INVALID_VALUE processor "p": "from" must be one of: a topic id, a processor or join id, or "node.port"; a list of them (got 42)',
    ]);
    expect(messages(base.replace('    from: events', '    from: [events, 7]'))).toEqual([
      '8:20 INVALID_VALUE processor "p": "from[1]" must be a string (got 7)',
    ]);
  });

  it('rejects invalid ids with the rule', () => {
    expect(messages(base.replace('  out: { name: demo.out }', '  out: { name: demo.out }\n  bad-id: { name: demo.bad }'))).toEqual([
      '5:3 INVALID_VALUE topic id "bad-id" is not valid: it must be an id: a letter, then letters, digits or "_"',
    ]);
  });

  it('says which fields a window type does not take', () => {
    const yaml = base
      .replace('stores:', '')
      .replace('processors:', 'stores:\n  s: { kind: window }\nprocessors:')
      .replace('    type: filter', '    type: aggregate\n    store: s')
      .replace('config: { condition: "true" }', 'config: { window: { type: tumbling, size: 1h, gap: 5m }, aggregations: { n: { op: count } } }');
    expect(messages(yaml)).toEqual(['13:51 INVALID_CONFIG processor "p": field "gap" is not allowed in config.window of type "tumbling"']);
  });
  it('reports an entry in the wrong section once, with where it belongs, and reads it as what it is', () => {
    const yaml = `app: demo
topics:
  events: { name: demo.events }
  out: { name: demo.out }
  counts: { kind: key_value }
processors:
  p:
    type: filter
    from: events
    to: out
    config: { condition: "true" }
joins:
  count_events:
    type: aggregate
    from: p
    to: out
    store: counts
    config: { aggregations: { n: { op: count } } }
`;
    // Without the hint: a missing "name", an unknown "kind", two missing join fields, a wrong join type, four unknown fields.
    expect(messages(yaml)).toEqual([
      '5:3 WRONG_SECTION "counts" is a store (kind "key_value"): it belongs under stores:, not under topics:',
      '13:3 WRONG_SECTION "count_events" is a processor (type "aggregate"): it belongs under processors:, not under joins:',
    ]);
    // Moved where they belong, the same entries compile.
    const fixed = `app: demo
topics:
  events: { name: demo.events }
  out: { name: demo.out }
stores:
  counts: { kind: key_value }
processors:
  p:
    type: filter
    from: events
    to: out
    config: { condition: "true" }
  count_events:
    type: aggregate
    from: p
    to: out
    store: counts
    config: { aggregations: { n: { op: count } } }
`;
    expect(compilePipeline(fixed, 'p.yaml', { env: {} }).ok).toBe(true);
  });
});
