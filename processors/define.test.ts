/**
 * defineProcessor: what the compiler and the engine get from a declaration.
 * Every function of the declaration sees the parsed config (defaults filled,
 * durations in ms) whatever form the validated config has; the rest
 * (ports, concurrency, the hooks left out) gets its documented default.
 */
import { describe, expect, it } from 'vitest';
import { duration, integer, object, optional, resourceRef } from '../schemas/config-schema.js';
import { defineProcessor } from './define.js';
import type { Processor } from './types.js';

const seen: unknown[] = [];
const config = object({
  every: duration('How often.', '1m'),
  limit: integer({ minimum: 1, default: 5, description: 'How many.' }),
  sink: optional(resourceRef('Where to.')),
});
const idle: Processor = { process: () => undefined };

const probe = defineProcessor({
  type: 'probe',
  summary: 'Records what it is given.',
  description: 'A processor type for this test.',
  config,
  examples: [],
  async: { defaultConcurrency: 3 },
  resourceRefs(c) {
    seen.push(c);
    return c.sink ? [{ path: ['sink'], id: c.sink, role: 'vector_sink' }] : [];
  },
  storeRequirement(c) {
    seen.push(c);
    return { kind: 'window', windowSizeMs: c.every };
  },
  check(c) {
    seen.push(c);
    return [];
  },
  expressions(c) {
    seen.push(c);
    return [];
  },
  ports(c) {
    seen.push(c);
    return ['default'];
  },
  create(c, node) {
    seen.push({ ...c, node });
    return idle;
  },
});

describe('defineProcessor', () => {
  it('hands every hook and the constructor the parsed config', () => {
    seen.length = 0;
    const validated = { every: '30s', sink: 'vectors' };
    expect(probe.storeRequirement!(validated)).toEqual({ kind: 'window', windowSizeMs: 30_000 });
    expect(probe.resourceRefs!(validated)).toEqual([{ path: ['sink'], id: 'vectors', role: 'vector_sink' }]);
    probe.check!(validated);
    probe.expressions!(validated);
    probe.ports(validated);
    expect(probe.create(validated, { id: 'p', stores: ['s'] })).toBe(idle);
    const parsed = { every: 30_000, limit: 5, sink: 'vectors' };
    expect(seen).toEqual([parsed, parsed, parsed, parsed, parsed, { ...parsed, node: { id: 'p', stores: ['s'] } }]);
    expect(validated).toEqual({ every: '30s', sink: 'vectors' });
  });

  it('keeps the declaration: type, docs, the schema as given, and the asynchronous default concurrency', () => {
    expect(probe).toMatchObject({ type: 'probe', summary: 'Records what it is given.', async: true, defaultConcurrency: 3 });
    expect(probe.configSchema).toBe(config);
  });

  it('gives a synchronous type concurrency 1, one `default` port, and no hooks it did not declare', () => {
    const plain = defineProcessor({ type: 'plain', summary: 's', description: 'd', config: object({}), examples: [], create: () => idle });
    expect([plain.async, plain.defaultConcurrency]).toEqual([false, 1]);
    expect(plain.ports({})).toEqual(['default']);
    for (const hook of ['resourceRefs', 'expressions', 'storeRequirement', 'check'] as const) expect(plain[hook], hook).toBeUndefined();
  });
});
