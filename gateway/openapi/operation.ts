/**
 * An HTTP operation of the gateway, declared once where its route is
 * (gateway/routes/*.ts): method, path, the JSON Schemas of what it accepts
 * (body, query, headers) and of every answer it can give. The route parses
 * its input through the declaration (`parseBody`, `parseQuery`: a 400 with
 * every problem, or the value typed by its schema); the OpenAPI generator
 * (document.ts) reads the same declaration; the contract check (check.ts)
 * holds every response to it. Like Hono's zod-openapi `createRoute`, without
 * a second schema language: the schemas are TypeBox, i.e. JSON Schema.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { HttpCodes, HttpError } from '../http-error.js';
import { compileSchema, type FieldError, fieldErrors } from './validate.js';

/** Marks a schema as a named component (`#/components/schemas/<name>`) of the OpenAPI document. */
export const COMPONENT_NAME = Symbol('aura.openapi.component');

/** `schema`, emitted once under `components.schemas[name]` and referenced wherever it is used. */
export function named<T extends object>(name: string, schema: T): T {
  Object.defineProperty(schema, COMPONENT_NAME, { value: name, enumerable: true });
  return schema;
}

export function componentName(schema: object): string | undefined {
  return (schema as { [COMPONENT_NAME]?: string })[COMPONENT_NAME];
}

export interface HeaderDecl {
  description: string;
  required?: boolean;
  schema: object;
}

export interface ResponseDecl {
  description: string;
  /** The body's schema; JSON unless `contentType` says otherwise. None: no body. */
  schema?: object;
  contentType?: 'application/json' | 'text/plain' | 'text/html';
  headers?: Record<string, HeaderDecl>;
}

/**
 * How a caller authenticates: a user's bearer JWT (header, or for WebSockets also subprotocol/query),
 * a bearer JWT with the operator role (queries/operator-auth.ts), a peer token, or nothing.
 */
export type Security = 'bearer' | 'operator' | 'peer' | 'websocket';

export interface OperationSpec {
  method: 'get' | 'post';
  /** OpenAPI path template (`/api/users/{id}/context`); trailing slashes are optional on every route. */
  path: string;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Alternatives (any one suffices); empty: no authentication. */
  security: Security[];
  /** The JSON body. */
  body?: TSchema;
  /** The message of the 400 when the body does not match. */
  bodyInvalid?: string;
  /** Query parameters (an object schema; values are coerced from strings). */
  query?: TSchema;
  /** Path parameters (documented; Hono's router extracts them). */
  params?: Record<string, { description: string; schema: object }>;
  /** Request headers the operation reads (documented; checked where they are read). */
  headers?: Record<string, HeaderDecl>;
  /** Every status the operation can answer. A status not listed here is a contract violation. */
  responses: Record<number, ResponseDecl>;
  /** A WebSocket handshake: 101 is its success (the messages are in the AsyncAPI document). */
  upgrade?: string;
}

type Parsed<S extends TSchema | undefined> = S extends TSchema ? Static<S> : never;

export type Operation<S extends OperationSpec = OperationSpec> = S & {
  /** The body typed by its schema, or an HttpError 400 listing every problem. */
  parseBody(body: unknown): Parsed<S['body']>;
  /** The query (strings coerced to the declared types, defaults filled), or an HttpError 400. */
  parseQuery(query: Record<string, string>): Parsed<S['query']>;
};

function invalid(message: string, errors: FieldError[]): HttpError {
  return new HttpError(400, HttpCodes.VALIDATION_FAILED, message, { errors });
}

/** Declares an operation; its request schemas are compiled now, so a broken one fails at start-up. */
export function defineOperation<const S extends OperationSpec>(spec: S): Operation<S> {
  const body = spec.body ? compileSchema(spec.body, 'body') : undefined;
  const query = spec.query ? compileSchema(spec.query, 'strings') : undefined;
  return {
    ...spec,
    parseBody(value: unknown) {
      if (!body) throw new Error(`${spec.operationId} declares no body`);
      const errors = fieldErrors(body, value);
      if (errors.length > 0) throw invalid(spec.bodyInvalid ?? 'the body does not match its schema', errors);
      return value as Parsed<S['body']>;
    },
    parseQuery(raw: Record<string, string>) {
      if (!query) throw new Error(`${spec.operationId} declares no query`);
      const value: Record<string, unknown> = { ...raw };
      const errors = fieldErrors(query, value, '/query');
      if (errors.length > 0) throw invalid('invalid query', errors);
      return value as Parsed<S['query']>;
    },
  };
}
