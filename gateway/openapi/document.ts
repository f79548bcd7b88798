/**
 * The OpenAPI 3.1 document of the gateway, generated from the operations the
 * routes declare (operations.ts): the same JSON Schemas that validate the
 * requests. Named schemas become `components.schemas`; `$ref`s to the event
 * schemas (`schemas/events`) become components too, inlined by the AsyncAPI
 * generator's code (topology/describe/asyncapi-schemas.ts), so the document
 * stands alone. Served at `/openapi.json`, committed as docs/openapi.json.
 */
import { EVENT_SCHEMA_BASE, EVENT_SCHEMAS_DIR } from '../../schemas/event-schemas.js';
import { schemaComponents } from '../../topology/describe/asyncapi-schemas.js';
import { UNMATCHED_ERRORS } from './errors.js';
import { componentName, type Operation, type ResponseDecl, type Security } from './operation.js';

type Obj = Record<string, unknown>;

const SUFFIX = '.schema.json';

const SECURITY_SCHEMES: Obj = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A JWT with `sub` (the user) and `exp`, HS256 (AURA_JWT_SECRET) or RS256 (AURA_JWT_PUBLIC_KEY); lifetime at most AURA_JWT_MAX_TTL; `iss`/`aud` checked when configured (docs/gateway.md, "Authentication"). Operations that require the role `operator` (the operator API) take only a token that has it: claim `role: "operator"`, `roles` containing `"operator"`, or `operator` among the values of `scope`; other tokens are answered 403.',
  },
  peer: {
    type: 'apiKey',
    in: 'header',
    name: 'x-aura-peer-token',
    description:
      "Between gateway instances only: a forwarded query carries a peer token signed with AURA_CLUSTER_SECRET instead of the user's (or operator's) bearer token, made for one instance, method and path (with the query on the operator API).",
  },
  subprotocol: {
    type: 'apiKey',
    in: 'header',
    name: 'Sec-WebSocket-Protocol',
    description: 'WebSocket handshakes: offer `aura.v1, bearer.<jwt>` (browsers cannot set Authorization on a WebSocket).',
  },
  queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'WebSocket handshakes: the JWT as `?token=`.' },
};

/** The security requirements of each way in; `bearer: ['operator']` is OpenAPI 3.1's role name on a non-OAuth scheme. */
const SECURITY_OF: Record<Security, Array<Record<string, string[]>>> = {
  bearer: [{ bearer: [] }],
  operator: [{ bearer: ['operator'] }],
  peer: [{ peer: [] }],
  websocket: [{ bearer: [] }, { subprotocol: [] }, { queryToken: [] }],
};

const TAGS = [
  { name: 'events', description: 'Publishing user events: validated against `schemas/events`, produced keyed by user, followed on the stream.' },
  { name: 'guardian', description: 'Advice through the Kafka request-reply of the Guardian.' },
  { name: 'queries', description: "Interactive queries of the pipeline's state stores and vectors." },
  { name: 'stream', description: "The user's WebSocket stream (messages: docs/asyncapi.yaml, channel `user-stream`)." },
  { name: 'operations', description: "Probes, metrics, the topology page and this contract. Unauthenticated: keep them on the operators' network." },
  { name: 'operator', description: 'The operator API: state stores wherever they live. Tokens with the role `operator` only (docs/operations.md).' },
  { name: 'development', description: 'Development mode only.' },
];

/** Walks a schema into plain JSON: named schemas become `$ref`s to components, event schema `$ref`s point into the document. */
class SchemaEmitter {
  readonly named = new Map<string, unknown>();
  readonly events = new Set<string>();

  emit(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.emit(s));
    if (schema === null || typeof schema !== 'object') return schema;
    const name = componentName(schema);
    if (name === undefined) return this.body(schema);
    if (!this.named.has(name)) {
      this.named.set(name, undefined); // a schema that refers to itself stops here
      this.named.set(name, this.body(schema));
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  private body(schema: object): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(EVENT_SCHEMA_BASE)) {
        const [file = '', fragment = ''] = v.slice(EVENT_SCHEMA_BASE.length).split('#', 2);
        const id = file.slice(0, -SUFFIX.length);
        this.events.add(id);
        out.$ref = `#/components/schemas/${id}${fragment}`;
      } else {
        out[k] = this.emit(v);
      }
    }
    return out;
  }
}

function response(r: ResponseDecl, e: SchemaEmitter): Obj {
  const out: Obj = { description: r.description };
  if (r.headers && Object.keys(r.headers).length > 0) {
    out.headers = Object.fromEntries(
      Object.entries(r.headers).map(([name, h]) => [name, { description: h.description, ...(h.required ? { required: true } : {}), schema: e.emit(h.schema) }]),
    );
  }
  if (r.schema || r.contentType) out.content = { [r.contentType ?? 'application/json']: r.schema ? { schema: e.emit(r.schema) } : {} };
  return out;
}

function parameters(op: Operation, e: SchemaEmitter): Obj[] {
  const out: Obj[] = [];
  for (const [name, p] of Object.entries(op.params ?? {})) out.push({ name, in: 'path', required: true, description: p.description, schema: e.emit(p.schema) });
  const query = op.query as { properties?: Record<string, Obj>; required?: string[] } | undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    const { description, ...rest } = e.emit(schema) as Obj;
    // A parameter with a default may be left out: required only when the schema requires it and has none.
    const required = (query?.required?.includes(name) ?? false) && !('default' in rest);
    out.push({ name, in: 'query', required, ...(description ? { description } : {}), schema: rest });
  }
  for (const [name, h] of Object.entries(op.headers ?? {}))
    out.push({ name, in: 'header', required: h.required ?? false, description: h.description, schema: e.emit(h.schema) });
  return out;
}

function operationObject(op: Operation, e: SchemaEmitter): Obj {
  const out: Obj = { operationId: op.operationId, tags: op.tags, summary: op.summary };
  if (op.description) out.description = op.description;
  out.security = op.security.flatMap((s) => SECURITY_OF[s]);
  const params = parameters(op, e);
  if (params.length > 0) out.parameters = params;
  if (op.body) out.requestBody = { required: true, content: { 'application/json': { schema: e.emit(op.body) } } };
  const statuses = Object.keys(op.responses)
    .map(Number)
    .sort((a, b) => a - b);
  out.responses = Object.fromEntries(statuses.map((s) => [String(s), response(op.responses[s]!, e)]));
  if (op.upgrade) out['x-asyncapi-channel'] = op.upgrade;
  return out;
}

export interface OpenApiOptions {
  /** The `app` of the pipeline (the title). */
  app: string;
  operations: readonly Operation[];
}

export function openApiDocument(options: OpenApiOptions): Obj {
  const e = new SchemaEmitter();
  const paths: Record<string, Obj> = {};
  for (const op of options.operations) (paths[op.path] ??= {})[op.method] = operationObject(op, e);
  const unmatched = Object.fromEntries(Object.entries(UNMATCHED_ERRORS).map(([s, r]) => [s, response(r, e)]));
  const events = schemaComponents([...e.events], EVENT_SCHEMAS_DIR);
  const schemas = Object.fromEntries([...Object.entries(events), ...e.named].sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: `${options.app} gateway`,
      version: '1.0.0',
      description: [
        'The HTTP API of the aura-streams gateway (`aura serve`): publish user events, ask the Guardian, query state, open the user stream. Generated from the route declarations in gateway/routes/ (the schemas that validate the requests); edit those, not this file.',
        'Every non-2xx answer has one body, `Error`: `{"error": {"code", "message"}, ...details}`; codes are stable. 409, 429 and 503 carry `Retry-After`. A request no operation matches is answered with one of `x-unmatched-responses`.',
        'Trailing slashes are optional on every path. The WebSocket messages of `/ws` and `/topology/live` are in docs/asyncapi.yaml. Human-readable: `/docs` on a running gateway.',
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'The gateway serving this document (`aura serve`: http://127.0.0.1:8080 by default).' }],
    tags: TAGS,
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
    'x-unmatched-responses': unmatched,
  };
}
