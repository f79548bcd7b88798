/**
 * Holds responses to the OpenAPI document: the status must be one the
 * operation declares (a request no operation matches: one of
 * `x-unmatched-responses`), required headers (`Retry-After`) must be there
 * and match their schema, the body must have the declared content type and
 * validate against the declared schema. Violations go to the log and to the
 * `aura:contract-violation` diagnostics channel, where the test suite's setup
 * (testing/support/contract-setup.ts) turns them into failed tests: every
 * response any gateway test provokes is a contract check.
 *
 * On in tests, and wherever AURA_CHECK_RESPONSES=1 (a staging gateway that
 * should say when it answers something its contract does not list).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../common/logger.js';
import type { GatewayEnv } from '../types.js';
import { UPGRADE_SLOT } from '../ws/server.js';
import { reportViolation } from './violations.js';

export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  /** The body as text (ignored for HEAD and upgrades). */
  body: string;
  /** A WebSocket handshake the route accepted: a 101 on the wire. */
  upgraded?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the document is walked by the keys OpenAPI defines
type Obj = Record<string, any>;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** A JSON pointer segment, percent-encoded for a URI fragment. */
const segment = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
const noSlash = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);

export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  private readonly routes: Array<{ template: string; pattern: RegExp }>;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: Obj) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
    this.routes = Object.keys(doc.paths ?? {}).map((template) => ({
      template,
      pattern: new RegExp(
        `^${noSlash(template)
          .split(/\{[^}]+\}/)
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}/?$`,
      ),
    }));
  }

  /** The declared response (and its JSON pointer) for an exchange, or why there is none. */
  private declared(x: Exchange): { pointer: string; response?: Obj } {
    const method = x.method === 'HEAD' ? 'get' : x.method.toLowerCase();
    const status = String(x.upgraded ? 101 : x.status);
    const route = this.routes.find((r) => r.pattern.test(x.path));
    const op = route ? (this.doc.paths[route.template][method] as Obj | undefined) : undefined;
    if (!route || !op) return { pointer: `#/x-unmatched-responses/${status}`, response: this.doc['x-unmatched-responses']?.[status] };
    return { pointer: `#/paths/${segment(route.template)}/${method}/responses/${status}`, response: op.responses?.[status] };
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `openapi${pointer}` });
      this.validators.set(pointer, v);
    }
    return v;
  }

  /** What is wrong with an exchange (empty: it is what the contract says). */
  check(x: Exchange): string[] {
    const { pointer, response } = this.declared(x);
    const status = x.upgraded ? 101 : x.status;
    if (!response) return [`status ${status} is not declared (${decodeURIComponent(pointer)})`];
    const problems: string[] = [];
    for (const [name, h] of Object.entries<Obj>(response.headers ?? {})) {
      const value = x.headers.get(name);
      if (value === null) {
        if (h.required) problems.push(`header ${name} is required`);
        continue;
      }
      const v = this.validator(`${pointer}/headers/${segment(name)}/schema`);
      if (!v(value)) problems.push(`header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(v.errors)}`);
    }
    if (x.upgraded || x.method === 'HEAD') return problems;
    const content = response.content as Obj | undefined;
    if (!content) {
      if (x.body.length > 0) problems.push(`no body is declared, got ${JSON.stringify(x.body.slice(0, 200))}`);
      return problems;
    }
    const type = (x.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!content[type]) return [...problems, `content type ${JSON.stringify(type)} is not declared (${Object.keys(content).join(', ')})`];
    if (!content[type].schema) return problems;
    let body: unknown = x.body;
    if (type === 'application/json') {
      try {
        body = JSON.parse(x.body);
      } catch {
        return [...problems, `the body is not JSON: ${JSON.stringify(x.body.slice(0, 200))}`];
      }
    }
    const v = this.validator(`${pointer}/content/${segment(type)}/schema`);
    if (!v(body)) problems.push(`body: ${this.ajv.errorsText(v.errors, { dataVar: 'body' })} — got ${JSON.stringify(body).slice(0, 300)}`);
    return problems;
  }
}

/** Outermost middleware: checks the final response of every request (errors and 404s included). */
export function checkResponses(
  checker: () => ContractChecker,
  logger: Logger,
  report: typeof reportViolation = reportViolation,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await next();
    const upgraded = Boolean((c.env as Record<symbol, { events?: unknown } | undefined> | undefined)?.[UPGRADE_SLOT]?.events);
    const res = c.res;
    const body = upgraded || c.req.method === 'HEAD' ? '' : await res.clone().text();
    const exchange = { method: c.req.method, path: c.req.path, status: res.status, headers: res.headers, body, upgraded };
    const problems = checker().check(exchange);
    if (problems.length > 0) report({ source: 'http', method: exchange.method, path: exchange.path, status: exchange.status, problems }, logger);
  };
}
