/**
 * Tracing end to end (issue 13): the real SDK exporting OTLP/JSON over HTTP to
 * an in-process receiver (testing/support/otlp-receiver.ts), the default
 * pipeline on the embedded log, the gateway on a real socket. One mobile
 * session — a mood event, then a Guardian question answered over WebSocket,
 * both under the client's `traceparent` — is one trace with every hop in
 * order; the records on every topic carry the context of the span that wrote
 * them; with no OTEL_* nothing is created or exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../common/tracing/sdk.js';
import { tracingOn } from '../common/tracing/spans.js';
import { eventually, type Harness, startHarness } from '../testing/support/gateway-harness.js';
import { mobileSession } from '../testing/support/mobile-session.js';
import { OtlpReceiver, type ReceivedSpan } from '../testing/support/otlp-receiver.js';

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
const SPAN_KIND = { server: 2, producer: 4, consumer: 5, internal: 1 } as const;

const traceparentOf = (span: ReceivedSpan) => `00-${span.traceId}-${span.spanId}-01`;
/**
 * `later` is not before `earlier`, across two spans. The SDK anchors each span's clock to
 * Date.now() (whole milliseconds) when the span starts, so two spans' times can be off by up to
 * 1 ms from each other: an advisor span that ends 0.2 ms before its parent may show as ending
 * 0.8 ms after it (this failed a CI run).
 */
const SPAN_CLOCK_SKEW_NS = 1_000_000n;
const notBefore = (later: bigint, earlier: bigint) => later + SPAN_CLOCK_SKEW_NS >= earlier;

describe('tracing on (OTLP/JSON to an in-process receiver)', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = startTracing(receiver.env())!;
    h = await startHarness({ listen: true });
  });
  afterAll(async () => {
    await h?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('turns one mobile session into one trace: request → publish → every processor → advisor → each chunk delivered', async () => {
    expect(tracingOn()).toBe(true);
    const session = await mobileSession(h, 'ana', { traceparent: CLIENT_TRACEPARENT });
    expect(session.chunks).toBeGreaterThan(0);

    const expected = ['process ingest_vectors', 'advise advisor', 'process split_events'];
    const trace = await eventually(async () => {
      await tracing.forceFlush();
      const spans = receiver.spans.filter((s) => s.traceId === CLIENT_TRACE);
      const delivered = spans.filter((s) => s.name === 'deliver guardian.chunk').length;
      return expected.every((n) => spans.some((s) => s.name === n)) && delivered === session.chunks ? spans : undefined;
    });
    const one = (name: string): ReceivedSpan => {
      const found = trace.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    /** `child` hangs under `parent` and started no earlier. */
    const under = (child: ReceivedSpan, parent: ReceivedSpan | string) => {
      expect(child.parentSpanId, `${child.name} under ${typeof parent === 'string' ? parent : parent.name}`).toBe(
        typeof parent === 'string' ? parent : parent.spanId,
      );
      if (typeof parent !== 'string') expect(notBefore(child.startNs, parent.startNs), `${child.name} starts after ${parent.name}`).toBe(true);
    };

    // The mood event: request → publish → aggregate → (fused, in memory) vectorize → ingest; and the other branch.
    const moodRequest = one('POST /api/holistic/mood-entries');
    under(moodRequest, CLIENT_SPAN);
    expect(moodRequest.kind).toBe(SPAN_KIND.server);
    expect(moodRequest.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/holistic/mood-entries',
      'http.response.status_code': 201,
    });
    const send = one('send aura360.user.events');
    under(send, moodRequest);
    expect(send.kind).toBe(SPAN_KIND.producer);
    expect(notBefore(moodRequest.endNs, send.endNs)).toBe(true);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'aura_embedded',
      'messaging.destination.name': 'aura360.user.events',
      'messaging.destination.partition.id': String(session.published.partition),
      'messaging.kafka.offset': session.published.offset,
    });
    const aggregate = one('process aggregate_context');
    under(aggregate, send);
    expect(aggregate.kind).toBe(SPAN_KIND.consumer);
    expect(aggregate.attributes).toMatchObject({
      'aura.node.id': 'aggregate_context',
      'aura.node.type': 'aggregate',
      'messaging.destination.name': 'aura360.user.events',
      'messaging.destination.partition.id': String(session.published.partition),
      'messaging.kafka.offset': session.published.offset,
    });
    const vectorize = one('process vectorize_context');
    under(vectorize, aggregate);
    expect(vectorize.attributes['aura.node.type']).toBe('vectorize');
    const ingest = one('process ingest_vectors');
    under(ingest, vectorize);
    const split = one('process split_events');
    under(split, send);
    under(one('process mood_with_activity'), split);

    // The question: request → publish → join → guardian → advisor, and one delivery per chunk.
    const adviceRequest = one('POST /api/guardian/advice');
    under(adviceRequest, CLIENT_SPAN);
    expect(adviceRequest.attributes['http.response.status_code']).toBe(202);
    expect(notBefore(adviceRequest.startNs, ingest.startNs)).toBe(true);
    const sendRequest = one('send aura360.guardian.requests');
    under(sendRequest, adviceRequest);
    const join = one('process requests_with_context');
    under(join, sendRequest);
    expect(join.attributes['aura.node.type']).toBe('stream_table');
    const guardian = one('process guardian');
    under(guardian, join);
    const advise = one('advise advisor');
    under(advise, guardian);
    expect(advise.attributes).toMatchObject({ 'aura.advisor.type': 'rules', 'aura.advice.language': 'en', 'aura.advice.has_context': true });
    expect(advise.attributes['aura.advice.pieces']).toBeGreaterThan(0);
    expect(notBefore(guardian.endNs, advise.endNs)).toBe(true);
    const deliveries = trace
      .filter((s) => s.name === 'deliver guardian.chunk')
      .sort((a, b) => Number(a.attributes['aura.guardian.chunk.index']) - Number(b.attributes['aura.guardian.chunk.index']));
    expect(deliveries.map((d) => d.attributes['aura.guardian.chunk.index'])).toEqual([...Array(session.chunks).keys()]);
    for (const d of deliveries) {
      under(d, guardian);
      expect(d.attributes['aura.guardian.correlation_id']).toBe(session.correlationId);
      expect(d.attributes['messaging.destination.name']).toBe('aura360.guardian.response.chunks');
    }
    expect(deliveries.at(-1)!.attributes['aura.guardian.chunk.final']).toBe(true);
    for (let i = 1; i < deliveries.length; i++) expect(notBefore(deliveries[i]!.startNs, deliveries[i - 1]!.startNs)).toBe(true);

    // One trace, one service, nothing failed, no span of it left out of the tree.
    const ids = new Set(trace.map((s) => s.spanId));
    for (const s of trace) {
      expect(s.parentSpanId === CLIENT_SPAN || ids.has(s.parentSpanId!), `${s.name} has its parent in the trace`).toBe(true);
      expect(s.service).toBe('aura-test');
      expect(s.scope).toBe('aura-streams');
      expect(s.status.code ?? 0).not.toBe(2);
    }

    // The records carry the span that wrote them: the next sub-topology (or instance) continues from there.
    const headerOf = async (topic: string, pick: (value: Record<string, unknown>) => boolean) => {
      const records = await h.readTopic(topic);
      const record = records.find((r) => r.value !== null && pick(JSON.parse(r.value.toString('utf8')) as Record<string, unknown>));
      return record?.headers.traceparent;
    };
    const byAna = (v: Record<string, unknown>) => v.user_id === 'ana';
    expect(await headerOf('user_events', (v) => v.id === session.published.id)).toBe(traceparentOf(send));
    expect(await headerOf('context_aggregated', byAna)).toBe(traceparentOf(aggregate));
    expect(await headerOf('context_vectorized', byAna)).toBe(traceparentOf(vectorize));
    expect(await headerOf('guardian_requests', (v) => v.correlation_id === session.correlationId)).toBe(traceparentOf(sendRequest));
    expect(await headerOf('guardian_chunks', (v) => v.correlation_id === session.correlationId)).toBe(traceparentOf(guardian));
  });

  it('starts a trace of its own for a request without traceparent, and answers errors without breaking it; probes are not traced', async () => {
    for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${h.url}${probe}`)).status).toBe(200);
    const res = await fetch(`${h.url}/api/holistic/mood-entries`, { method: 'POST', headers: await h.auth('bob'), body: JSON.stringify({ score: 99 }) });
    expect(res.status).toBe(400);
    const span = await eventually(async () => {
      await tracing.forceFlush();
      return receiver.spans.find((s) => s.name === 'POST /api/holistic/mood-entries' && s.attributes['http.response.status_code'] === 400);
    });
    expect(span.traceId).not.toBe(CLIENT_TRACE);
    expect(span.parentSpanId).toBeUndefined();
    expect(receiver.spans.some((s) => s.traceId === span.traceId && s.name.startsWith('send '))).toBe(false);
    expect(receiver.spans.filter((s) => s.name.startsWith('GET /'))).toEqual(receiver.spans.filter((s) => s.name === 'GET /ws'));
    expect(receiver.spans.some((s) => s.name === 'GET /ws')).toBe(true); // the socket's handshake is a request like another
  });
});

describe('sampling', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = startTracing(receiver.env({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }))!;
    h = await startHarness({ listen: true });
  });
  afterAll(async () => {
    await h?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('follows a sampled parent, drops the rest (ratio 0) and carries the decision on the records', async () => {
    const unsampled = await mobileSession(h, 'carla', {});
    const sampledTrace = 'f1e2d3c4b5a6978877665544332211ff';
    await mobileSession(h, 'dani', { traceparent: `00-${sampledTrace}-${CLIENT_SPAN}-01` });
    await eventually(async () => {
      await tracing.forceFlush();
      return receiver.spans.some((s) => s.name === 'process ingest_vectors') && receiver.spans.some((s) => s.name === 'advise advisor') ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    await tracing.forceFlush();
    expect(receiver.spans.length).toBeGreaterThan(0);
    expect(receiver.spans.every((s) => s.traceId === sampledTrace)).toBe(true);
    // The unsampled request's record carries a context flagged "not sampled", which every later hop honours.
    const records = await h.readTopic('user_events');
    const header = records.find((r) => JSON.parse(r.value!.toString('utf8')).id === unsampled.published.id)!.headers.traceparent;
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });
});

describe('tracing off (no OTEL_*)', () => {
  let receiver: OtlpReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    expect(startTracing({ PATH: process.env.PATH })).toBeUndefined();
    expect(startTracing({ ...receiver.env(), OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    h = await startHarness({ listen: true });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('creates no span and exports nothing: the client traceparent reaches every topic unchanged', async () => {
    expect(tracingOn()).toBe(false);
    const session = await mobileSession(h, 'eva', { traceparent: CLIENT_TRACEPARENT });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toBe(0);
    for (const topic of ['user_events', 'context_aggregated', 'context_vectorized', 'vectordb_ingest', 'guardian_requests', 'guardian_chunks']) {
      const records = (await h.readTopic(topic)).filter((r) => r.value !== null);
      expect(records.length, topic).toBeGreaterThan(0);
      for (const r of records) expect(r.headers.traceparent, topic).toBe(CLIENT_TRACEPARENT);
    }
    expect(session.chunks).toBeGreaterThan(0);
  });
});
