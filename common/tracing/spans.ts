/**
 * The spans aura-streams creates (docs/operations.md, "Tracing"), and the
 * helpers every hook uses. Nothing here starts the SDK (sdk.ts does): while
 * tracing is off, `tracingOn()` is false, the hooks are not installed or return
 * at once, and `tracer()` is the API's no-op tracer.
 *
 * Records carry the W3C `traceparent`/`tracestate` as record headers (the
 * gateway puts them there, the engine copies a record's headers to everything
 * derived from it). A span that handles a record takes its parent from those
 * headers — not from whatever is active — and hands its own context on by
 * rewriting them, so a trace follows the record across topics, fused chains and
 * instances as one tree.
 */
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapSetter,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Instrumentation scope of every span. */
export const TRACER_NAME = 'aura-streams';

/** Span names, one declaration each. */
export const SpanNames = {
  /** The gateway's HTTP request: `POST /api/holistic/mood-entries` (the matched route, never the raw path). */
  request: (method: string, route: string) => `${method} ${route}`,
  /** The gateway producing a record, until the log acknowledged it. */
  send: (topic: string) => `send ${topic}`,
  /** A processor (or join) node handling one record. */
  process: (node: string) => `process ${node}`,
  /** The Guardian's call to its advisor, until the last piece of the answer. */
  advise: (advisor: string) => `advise ${advisor}`,
  /** A Guardian chunk read by the gateway, stored in the user's stream and written to their open sockets. */
  deliverChunk: 'deliver guardian.chunk',
} as const;

/** The API's no-op tracer (a proxy with no provider behind it), whatever is registered globally. */
const OFF: Tracer = new ProxyTracerProvider().getTracer(TRACER_NAME);

const state: { on: boolean; tracer: Tracer } = { on: false, tracer: OFF };

/** Whether the SDK runs: hooks check this first and cost nothing more while it is false. */
export function tracingOn(): boolean {
  return state.on;
}

/** The tracer of the running SDK, or the API's no-op tracer. */
export function tracer(): Tracer {
  return state.tracer;
}

/** sdk.ts only. */
export function setTracing(tracer: Tracer | undefined): void {
  state.on = tracer !== undefined;
  state.tracer = tracer ?? OFF;
}

const w3c = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<Record<string, string>> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** The trace context a record's (or a request's) `traceparent` header carries; the root context without one. */
export function contextOfHeaders(headers: Record<string, string>): Context {
  return headers.traceparent === undefined ? ROOT_CONTEXT : w3c.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** A copy of `headers` whose `traceparent` (and `tracestate`) name `span`: what flows downstream becomes its child. */
export function headersWithSpan(headers: Record<string, string>, span: Span): Record<string, string> {
  const out = { ...headers };
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), out, defaultTextMapSetter);
  return out;
}

/** Starts a span under `parent`; `attributes` are built only when the span records (sampled). */
export function startSpan(name: string, kind: SpanKind, parent: Context, attributes?: () => Attributes): Span {
  const span = state.tracer.startSpan(name, { kind }, parent);
  if (attributes && span.isRecording()) span.setAttributes(attributes());
  return span;
}

/** Marks the span failed with the error (the span is not ended). */
export function recordFailure(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * Runs `fn` with `span` active (so spans it starts, e.g. the advisor's, are its children) and ends
 * the span when `fn` returns — or when the promise it returned settles — recording a failure.
 */
export function runInSpan<T>(span: Span, parent: Context, fn: () => T): T {
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    recordFailure(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        recordFailure(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}
