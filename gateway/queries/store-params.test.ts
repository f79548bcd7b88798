/**
 * The query of the operator store API: the operation's schema checks each
 * parameter (coerced from strings, defaults filled), then the parameters are
 * checked against each other and the store — and a 400 lists every problem.
 */
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http-error.js';
import { encodeCursor, parseScanQuery } from './store-params.js';

function problems(raw: Record<string, string>, partitions = 6): Array<{ path: string; message: string }> {
  try {
    parseScanQuery(raw, partitions);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    return (err as HttpError).details.errors as Array<{ path: string; message: string }>;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('parseScanQuery', () => {
  it('fills the defaults and coerces the values', () => {
    expect(parseScanQuery({}, 6)).toEqual({ count: false, limit: 100 });
    expect(parseScanQuery({ count: 'true', partition: '5', prefix: 'ana' }, 6)).toEqual({ count: true, partition: 5, prefix: 'ana', limit: 100 });
    const cursor = encodeCursor(2, 'k');
    expect(parseScanQuery({ limit: '7', cursor, prefix: '' }, 6)).toEqual({ count: false, limit: 7, cursor });
  });

  it('lists every problem at once: each parameter, then between them', () => {
    const found = problems({ limit: '0', after: 'x', evil: '1', count: 'maybe' });
    expect(found.map((p) => p.path).sort()).toEqual(['/query/after', '/query/count', '/query/evil', '/query/limit']);
    expect(found.find((p) => p.path === '/query/limit')!.message).toBe('must be an integer from 1 to 1000');
    expect(found.find((p) => p.path === '/query/after')!.message).toMatch(/needs partition/);
  });

  it("checks partitions and cursors against the store's partitions", () => {
    expect(problems({ partition: '6' })).toEqual([{ path: '/query/partition', message: 'must be an integer from 0 to 5' }]);
    expect(problems({ cursor: encodeCursor(9, undefined) })).toEqual([{ path: '/query/cursor', message: 'names a partition the store does not have' }]);
    expect(problems({ cursor: encodeCursor(1, undefined), partition: '1' })).toEqual([
      { path: '/query/cursor', message: 'cannot be combined with partition (use after)' },
    ]);
    expect(problems({ cursor: '%%%' }).map((p) => p.path)).toEqual(['/query/cursor']);
    expect(problems({ prefix: 'x'.repeat(1001) })).toEqual([{ path: '/query/prefix', message: 'must be at most 1000 characters' }]);
  });
});
