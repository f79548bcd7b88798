/**
 * The contract of the operator store API (store-routes.ts): operator tokens
 * (or, between instances, a peer token for that very request), the query the
 * scans and counts parse (store-params.ts), every answer. The routes build
 * their bodies as the static types of these schemas.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { StoreKind } from '../../topology/model.js';
import { AUTHENTICATED_ERRORS, errorResponse } from '../openapi/errors.js';
import { defineOperation, named } from '../openapi/operation.js';
import { StoreScanQuerySchema } from './store-params.js';

const strict = { additionalProperties: false } as const;
export const MAX_KEY_LENGTH = 1000;

const KINDS = ['key_value', 'window', 'session'] as const satisfies readonly StoreKind[];
const kind = (kinds: readonly StoreKind[] = KINDS) =>
  Type.Union(
    kinds.map((k) => Type.Literal(k)),
    { description: 'The store kind.' },
  );
const partition = Type.Integer({ minimum: 0 });
const instance = Type.String({ description: 'The instance whose state answered.' });

export const StoreEntrySchema = Type.Object(
  {
    key: Type.String(),
    value: Type.Unknown({ description: 'The stored value (JSON).' }),
    window_start: Type.Optional(Type.Integer({ description: 'Window stores: the start of the window (epoch ms).' })),
    session_start: Type.Optional(Type.Integer({ description: 'Session stores: the first record of the session (epoch ms).' })),
    session_end: Type.Optional(Type.Integer({ description: 'Session stores: the last record of the session (epoch ms).' })),
  },
  strict,
);

export const OperatorStoresSchema = named(
  'OperatorStores',
  Type.Object(
    {
      instance: Type.String({ description: 'The instance that answered.' }),
      stores: Type.Array(
        Type.Object(
          {
            id: Type.String(),
            kind: kind(),
            subtopology: Type.Integer({ minimum: 0 }),
            partitions: Type.Integer({ minimum: 1 }),
            changelog: Type.Union([Type.String(), Type.Null()], { description: 'Its changelog topic; null: none.' }),
            partitions_here: Type.Array(partition, { description: 'The partitions whose task runs on the instance that answered.' }),
          },
          strict,
        ),
      ),
    },
    strict,
  ),
);

const located = {
  store: Type.String(),
  key: Type.String(),
  partition,
  task: Type.String({ description: 'The task that owns the key (`<subtopology>_<partition>`).' }),
  instance,
};

export const OperatorStoreKeySchema = named(
  'OperatorStoreKey',
  Type.Union(
    [
      Type.Object({ ...located, kind: kind(['key_value']), value: Type.Unknown({ description: 'The live value.' }) }, strict),
      Type.Object(
        { ...located, kind: kind(['window', 'session']), entries: Type.Array(StoreEntrySchema, { description: 'Every window or session of the key.' }) },
        strict,
      ),
    ],
    { description: 'The entry of one key in the live store (what the next record of that key sees).' },
  ),
);

const ScanEntrySchema = Type.Object({ partition, instance, ...StoreEntrySchema.properties }, strict);

export const OperatorStorePageSchema = named(
  'OperatorStorePage',
  Type.Object(
    {
      store: Type.String(),
      kind: kind(),
      entries: Type.Array(ScanEntrySchema, { description: 'Committed entries, in partition then key order.' }),
      next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass it as `cursor` for the next page; null: this was the last.' }),
    },
    { ...strict, description: 'A page of a scan over every partition.' },
  ),
);

export const OperatorStorePartitionPageSchema = named(
  'OperatorStorePartitionPage',
  Type.Object(
    {
      store: Type.String(),
      partition,
      entries: Type.Array(StoreEntrySchema, { description: 'Committed entries in key order.' }),
      more: Type.Boolean({ description: 'More after the last key (page on with `after`).' }),
      instance,
    },
    { ...strict, description: 'With `partition`: a page of that partition alone.' },
  ),
);

export const OperatorStoreCountSchema = named(
  'OperatorStoreCount',
  Type.Object(
    {
      store: Type.String(),
      count: Type.Integer({ minimum: 0, description: 'Committed entries (rows: one per window or session in windowed stores), in total.' }),
      partitions: Type.Array(Type.Object({ partition, count: Type.Integer({ minimum: 0 }), instance }, strict)),
    },
    { ...strict, description: 'With `count=true`: the entries per partition and in total.' },
  ),
);

export type OperatorStores = Static<typeof OperatorStoresSchema>;
export type OperatorStoreKey = Static<typeof OperatorStoreKeySchema>;
export type StoreEntryBody = Static<typeof StoreEntrySchema>;
export type OperatorStorePage = Static<typeof OperatorStorePageSchema>;
export type OperatorStorePartitionPage = Static<typeof OperatorStorePartitionPageSchema>;
export type OperatorStoreCount = Static<typeof OperatorStoreCountSchema>;

const storeParam = { store: { description: 'A store of the pipeline (`aura describe`).', schema: { type: 'string', minLength: 1 } } };

const FORWARDED_TO = {
  'x-aura-forwarded-to': { description: 'The instance that answered, when it was not this one.', schema: { type: 'string' } },
};

const operatorErrors = {
  ...AUTHENTICATED_ERRORS,
  401: errorResponse(401, 'No token, one that is not valid, or a peer token that is not for this instance, method, path and query.', {
    headers: AUTHENTICATED_ERRORS[401].headers,
  }),
  403: errorResponse(403, 'A valid token without the operator role (a user token).'),
};

const unavailable = errorResponse(
  503,
  'An instance whose part is needed cannot answer right now (NOT_OWNER: nobody or another instance owns it and forwarding is not possible; UNAVAILABLE: the owner did not answer): retry after `Retry-After`.',
);

const description = (what: string) =>
  `${what} Operator tokens only (\`role: "operator"\`); the parts other instances own are asked from them with a peer token bound to that instance, method, path and query, never with the operator's token.`;

export const storeOperations = [
  defineOperation({
    method: 'get',
    path: '/api/ops/stores',
    operationId: 'list-stores',
    tags: ['operator'],
    summary: 'The state stores, and which partitions run here',
    description: description('Every store of the pipeline: kind, sub-topology, partitions, changelog, and the partitions whose task runs on this instance.'),
    security: ['operator', 'peer'],
    responses: { 200: { description: 'The stores.', schema: OperatorStoresSchema }, ...operatorErrors },
  }),
  defineOperation({
    method: 'get',
    path: '/api/ops/stores/{store}',
    operationId: 'scan-store',
    tags: ['operator'],
    summary: "A page of a store's committed entries, or their count",
    description: description(
      'Reads the last committed state from SQLite, in pages (a scan never holds a store in memory), over every partition wherever its task runs: pass `next_cursor` back as `cursor` for the next page. `count=true` counts instead.',
    ),
    security: ['operator', 'peer'],
    params: storeParam,
    query: StoreScanQuerySchema,
    responses: {
      200: {
        description: 'A page over every partition; with `partition`, a page of that partition; with `count=true`, the counts.',
        schema: Type.Union([OperatorStorePageSchema, OperatorStorePartitionPageSchema, OperatorStoreCountSchema]),
      },
      ...operatorErrors,
      404: errorResponse(404, 'The pipeline has no such store.'),
      503: unavailable,
    },
  }),
  defineOperation({
    method: 'get',
    path: '/api/ops/stores/{store}/{key}',
    operationId: 'get-store-key',
    tags: ['operator'],
    summary: 'The entry of one key',
    description: description('Reads the live store of the task that owns the key, on whichever instance runs it.'),
    security: ['operator', 'peer'],
    params: { ...storeParam, key: { description: 'The key (URL-encoded).', schema: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH } } },
    responses: {
      200: { description: 'The entry.', schema: OperatorStoreKeySchema, headers: FORWARDED_TO },
      ...operatorErrors,
      404: errorResponse(404, 'No such store, or no entry for the key (then with its `partition`, `task` and `instance`).'),
      503: unavailable,
    },
  }),
];
