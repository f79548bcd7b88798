/**
 * The SDK's set-up from OTEL_* (sdk.ts): when it stays off, what it reads, what
 * it refuses; and a real OTLP/protobuf export (exporter-trace-otlp-proto) to an
 * in-process receiver, flushed by shutdown.
 */
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../../testing/support/otlp-receiver.js';
import { AuraError } from '../errors.js';
import type { Logger } from '../logger.js';
import { startTracing, tracingConfigFromEnv, withTracing } from './sdk.js';
import { contextOfHeaders, headersWithSpan, tracer, tracingOn } from './spans.js';

describe('tracingConfigFromEnv', () => {
  it('stays off unless an endpoint (or OTEL_TRACES_EXPORTER=otlp) is configured, and when disabled', () => {
    expect(tracingConfigFromEnv({})).toBeUndefined();
    expect(tracingConfigFromEnv({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
  });

  it('reads the endpoint, protocol, sampler and service name', () => {
    const base = tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })!;
    expect(base).toMatchObject({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      samplerName: 'parentbased_always_on',
      serviceName: 'aura-streams',
    });
    expect(String(base.sampler)).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    const traces = tracingConfigFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/custom/path',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SERVICE_NAME: 'aura-eu-1',
    })!;
    expect(traces).toMatchObject({ url: 'https://collector/custom/path', protocol: 'http/json', serviceName: 'aura-eu-1' });
    expect(String(traces.sampler)).toMatch(/ParentBased\{root=TraceIdRatioBased\{0\.25\}/);
    expect(String(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio' })!.sampler)).toBe('TraceIdRatioBased{1}');
    expect(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' })!.url).toBe('http://localhost:4318/v1/traces');
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /only otlp/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }, /http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /no grpc/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_SAMPLER: 'sometimes' }, /expected one of always_on/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, /from 0 to 1/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }, /from 0 to 1/],
  ])('refuses %o with CONFIG_INVALID', (env, message) => {
    let thrown: unknown;
    try {
      tracingConfigFromEnv(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AuraError);
    expect((thrown as AuraError).code).toBe('CONFIG_INVALID');
    expect((thrown as AuraError).message).toMatch(message);
  });
});

describe('startTracing', () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('exports OTLP/protobuf to the endpoint, flushes on shutdown, and is off again afterwards', async () => {
    receiver = await OtlpReceiver.start();
    const tracing = startTracing(receiver.env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'aura-proto-test' }))!;
    expect(tracingOn()).toBe(true);
    expect(() => startTracing(receiver!.env())).toThrow(/already started/);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = contextOfHeaders({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const span = tracer().startSpan('probe span', { kind: SpanKind.INTERNAL }, parent);
    span.setAttribute('aura.probe', 'value-42');
    // What a record downstream carries: this span, same trace, sampled.
    expect(headersWithSpan({ other: 'kept' }, span)).toEqual({ other: 'kept', traceparent: `00-${traceId}-${span.spanContext().spanId}-01` });
    span.end();
    await tracing.shutdown();
    expect(receiver.requests).toBe(1);
    expect(receiver.contentTypes[0]).toMatch(/^application\/x-protobuf/);
    const body = receiver.protobufBodies[0]!;
    // The protobuf payload carries the ids as raw bytes and the strings as UTF-8.
    expect(body.includes(Buffer.from(traceId, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from(span.spanContext().spanId, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from('00f067aa0ba902b7', 'hex'))).toBe(true);
    for (const text of ['probe span', 'aura.probe', 'value-42', 'aura-proto-test', 'aura-streams']) expect(body.includes(Buffer.from(text)), text).toBe(true);

    expect(tracingOn()).toBe(false);
    const after = tracer().startSpan('after shutdown');
    expect(after.isRecording()).toBe(false);
    expect(trace.getSpanContext(ROOT_CONTEXT)).toBeUndefined();
    // Started again (a test, or a restart in one process): a new provider.
    const again = startTracing(receiver.env())!;
    expect(tracer().startSpan('again').isRecording()).toBe(true);
    await again.shutdown();
  });

  it('withTracing runs the command with tracing on and flushes it after', async () => {
    receiver = await OtlpReceiver.start();
    const result = await withTracing(async () => {
      tracer().startSpan('inside command').end();
      return tracingOn();
    }, receiver.env());
    expect(result).toBe(true);
    expect(tracingOn()).toBe(false);
    expect(receiver.spans.map((s) => s.name)).toEqual(['inside command']);
  });

  it('reports an export the collector refused to the logger, and stops tracing all the same', async () => {
    receiver = await OtlpReceiver.start();
    const logged: Array<{ level: string; message: string }> = [];
    const capture = (level: string) => (_fields: object, message: string) => void logged.push({ level, message });
    const logger = { error: capture('error'), warn: capture('warn') } as unknown as Logger;
    const tracing = startTracing({ ...receiver.env(), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/not-traces` }, logger)!;
    tracer().startSpan('refused').end();
    await tracing.shutdown();
    expect(receiver.requests).toBe(1);
    expect(receiver.spans).toEqual([]);
    expect(logged).toContainEqual({ level: 'error', message: 'opentelemetry: the last spans could not be exported' });
    expect(tracingOn()).toBe(false);
  });

  it('honours an unsampled parent: no span recorded, the decision carried on', async () => {
    receiver = await OtlpReceiver.start();
    const tracing = startTracing(receiver.env())!;
    const parent = contextOfHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' });
    const span = tracer().startSpan('unsampled', {}, parent);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
    expect(headersWithSpan({}, span).traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    span.end();
    await tracing.shutdown();
    expect(receiver.spans).toEqual([]);
  });
});
