/**
 * Query parameters of the operator store API: their schema (the operation's
 * query in the OpenAPI document, store-operations.ts) checks each one, then
 * what one parameter says about another and the store's partitions (400 with
 * every problem); and the scan cursor: `base64url(JSON [partition, afterKey])`,
 * opaque to clients, validated like any input when it comes back.
 */
import { type Static, Type } from '@sinclair/typebox';
import { HttpCodes, HttpError } from '../http-error.js';
import { compileSchema, type FieldError, fieldErrors } from '../openapi/validate.js';

export const MAX_SCAN_LIMIT = 1000;
const MAX_TEXT = 1000;
const text = (description: string) => Type.Optional(Type.String({ maxLength: MAX_TEXT, 'x-message': `must be at most ${MAX_TEXT} characters`, description }));

export const StoreScanQuerySchema = Type.Object(
  {
    count: Type.Boolean({
      default: false,
      'x-message': 'must be true or false',
      description: 'Count the entries (per partition and in total) instead of listing them.',
    }),
    prefix: text('Only keys that start with it.'),
    limit: Type.Integer({
      minimum: 1,
      maximum: MAX_SCAN_LIMIT,
      default: 100,
      'x-message': `must be an integer from 1 to ${MAX_SCAN_LIMIT}`,
      description: "Entries per page (a windowed key's windows stay on one page).",
    }),
    cursor: text('The `next_cursor` of the previous page: where the next one starts. Not with `partition`.'),
    partition: Type.Optional(
      Type.Integer({
        minimum: 0,
        'x-message': 'must be an integer from 0 to the partitions of the store - 1',
        description: 'Only this partition (what instances ask each other).',
      }),
    ),
    after: text('With `partition`: only keys after this one (its paging).'),
  },
  { additionalProperties: false },
);

export type ScanQuery = Static<typeof StoreScanQuerySchema>;

/** The query, with every problem at once: those of each parameter, then those between them. */
export function parseScanQuery(raw: Record<string, string>, partitions: number): ScanQuery {
  const query: Record<string, unknown> = { ...raw };
  const errors: FieldError[] = fieldErrors(compileSchema(StoreScanQuerySchema, 'strings'), query, '/query');
  const q = query as ScanQuery;
  const ok = (name: keyof ScanQuery) => q[name] !== undefined && !errors.some((e) => e.path === `/query/${name}`);
  if (ok('partition') && q.partition! >= partitions) errors.push({ path: '/query/partition', message: `must be an integer from 0 to ${partitions - 1}` });
  if (q.after !== undefined && q.partition === undefined)
    errors.push({ path: '/query/after', message: 'needs partition (across partitions, page with cursor)' });
  if (q.cursor !== undefined && q.partition !== undefined) errors.push({ path: '/query/cursor', message: 'cannot be combined with partition (use after)' });
  const badCursor = ok('cursor') ? cursorProblem(q.cursor!, partitions) : undefined;
  if (badCursor) errors.push({ path: '/query/cursor', message: badCursor });
  if (errors.length > 0) throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'invalid query', { errors });
  return { ...q, prefix: q.prefix || undefined };
}

export function encodeCursor(partition: number, after: string | undefined): string {
  return Buffer.from(JSON.stringify(after === undefined ? [partition] : [partition, after])).toString('base64url');
}

/** The start of a scan: partition 0 without a cursor. Call after parseScanQuery validated it. */
export function decodeCursor(cursor: string | undefined): { partition: number; after: string | undefined } {
  if (cursor === undefined) return { partition: 0, after: undefined };
  const [partition, after] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string | undefined];
  return { partition, after };
}

function cursorProblem(cursor: string, partitions: number): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return 'is not a cursor this API returned';
  }
  if (!Array.isArray(v) || v.length < 1 || v.length > 2) return 'is not a cursor this API returned';
  const [p, after] = v as unknown[];
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= partitions) return 'names a partition the store does not have';
  if (after !== undefined && (typeof after !== 'string' || after.length > MAX_TEXT)) return 'is not a cursor this API returned';
  return undefined;
}
