/**
 * Starts and stops the OpenTelemetry SDK from the standard `OTEL_*` variables
 * (docs/operations.md, "Tracing"). Off unless an OTLP endpoint is configured:
 * then no SDK runs, no hook is installed and the API's no-op tracer answers.
 * On: a NodeTracerProvider (AsyncLocalStorage context, W3C propagation) with a
 * batching OTLP/HTTP exporter — JSON (`http/json`) or protobuf
 * (`http/protobuf`, the OTLP default) — registered globally; `shutdown()`
 * flushes what is buffered, then unregisters it.
 *
 * The endpoint, protocol, sampler and service name are read from the `env`
 * given (the process's by default); the exporter's headers, timeout and
 * compression and the batch processor's sizes (OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_BSP_* …) are read by the SDK from the process environment.
 */
import { context, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { AuraError, ErrorCodes, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { setTracing, TRACER_NAME, tracingOn } from './spans.js';

export const DEFAULT_SERVICE_NAME = 'aura-streams';

export interface TracingConfig {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  protocol: 'http/json' | 'http/protobuf';
  sampler: Sampler;
  /** OTEL_TRACES_SAMPLER as given (for the start-up line). */
  samplerName: string;
  serviceName: string;
}

export interface Tracing {
  readonly config: TracingConfig;
  /** Exports every ended span now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the exporter and unregisters the SDK (tracing is off again); a failed last export is logged, never thrown. */
  shutdown(): Promise<void>;
}

const SAMPLERS: Record<string, (ratio: () => number) => Sampler> = {
  always_on: () => new AlwaysOnSampler(),
  always_off: () => new AlwaysOffSampler(),
  traceidratio: (ratio) => new TraceIdRatioBasedSampler(ratio()),
  parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  parentbased_traceidratio: (ratio) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) }),
};

const invalid = (message: string) => new AuraError(ErrorCodes.CONFIG_INVALID, message);

/** What the environment asks for; undefined when tracing stays off (no endpoint, OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none). */
export function tracingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  const value = (name: string) => env[name]?.trim() || undefined;
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = value('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter !== undefined && exporter !== 'otlp') throw invalid(`OTEL_TRACES_EXPORTER=${exporter}: only otlp (or none) is supported`);
  const tracesEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  // Off unless configured: an endpoint, or OTEL_TRACES_EXPORTER=otlp (the collector on localhost).
  if (!tracesEndpoint && !endpoint && exporter !== 'otlp') return undefined;
  const url = tracesEndpoint ?? `${(endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  if (!/^https?:\/\/[^/]/i.test(url)) throw invalid(`the OTLP traces endpoint must be an http(s) URL, not "${url}"`);
  const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') {
    throw invalid(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: only http/protobuf and http/json are supported (no grpc)`);
  }
  const samplerName = value('OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  const make = SAMPLERS[samplerName];
  if (!make) throw invalid(`OTEL_TRACES_SAMPLER=${samplerName}: expected one of ${Object.keys(SAMPLERS).join(', ')}`);
  const ratio = () => {
    const arg = value('OTEL_TRACES_SAMPLER_ARG');
    const n = arg === undefined ? 1 : Number(arg);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw invalid(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not "${arg}"`);
    return n;
  };
  return { url, protocol, sampler: make(ratio), samplerName, serviceName: value('OTEL_SERVICE_NAME') ?? DEFAULT_SERVICE_NAME };
}

/**
 * Starts the SDK when the environment configures it; undefined (and nothing started) otherwise.
 * The SDK's own warnings and errors (an export the collector refused or never answered) go to `logger`.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env, logger?: Logger): Tracing | undefined {
  const config = tracingConfigFromEnv(env);
  if (!config) return undefined;
  if (tracingOn()) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'tracing is already started in this process');
  if (logger) {
    const log =
      (level: 'warn' | 'error') =>
      (message: string, ...args: unknown[]) =>
        logger[level]({ args: args.map(String) }, `opentelemetry: ${message}`);
    diag.setLogger({ error: log('error'), warn: log('warn'), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  }
  const exporter = config.protocol === 'http/json' ? new JsonExporter({ url: config.url }) : new ProtobufExporter({ url: config.url });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }));
  const provider = new NodeTracerProvider({ resource, sampler: config.sampler, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  setTracing(provider.getTracer(TRACER_NAME));
  let stopped: Promise<void> | undefined;
  return {
    config,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        setTracing(undefined);
        try {
          await provider.shutdown();
        } catch (err) {
          // The last batch did not reach the collector: said, and the process stops all the same.
          logger?.error({ err: errorMessage(err), endpoint: config.url }, 'opentelemetry: the last spans could not be exported');
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          if (logger) diag.disable();
        }
      })();
      return stopped;
    },
  };
}

/**
 * Runs a long-running command (`aura serve`, `aura run`) with tracing started from the
 * environment, and flushes it when the command returns.
 */
export async function withTracing<T>(run: () => Promise<T>, env: NodeJS.ProcessEnv = process.env, logger: Logger = createLogger('aura')): Promise<T> {
  const tracing = startTracing(env, logger);
  if (tracing) {
    const { url, protocol, samplerName, serviceName } = tracing.config;
    logger.info({ endpoint: url, protocol, sampler: samplerName, service: serviceName }, 'tracing on: OTLP export');
  }
  try {
    return await run();
  } finally {
    await tracing?.shutdown();
  }
}
