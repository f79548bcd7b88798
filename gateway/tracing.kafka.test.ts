/**
 * Tracing on a real broker (issue 13): the default pipeline with its fused
 * topics unfused (`fuse: false`), so every hop of a mobile session crosses a
 * Kafka topic — user events → aggregate → context.aggregated → vectorize →
 * context.vectorized → ingest; guardian requests → join → guardian → chunks →
 * the gateway's reply consumer — and the trace still is one tree, linked only
 * by the `traceparent` record header. Part of the Kafka suite.
 */
import path from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { startTracing, type Tracing } from '../common/tracing/sdk.js';
import { eventually, TEST_SECRET } from '../testing/support/gateway-harness.js';
import { kafkaGatewayStack } from '../testing/support/kafka-gateway-stack.js';
import { kafkaTransport, pipelineCopy, ROOT, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { mobileSession } from '../testing/support/mobile-session.js';
import { OtlpReceiver, type ReceivedSpan } from '../testing/support/otlp-receiver.js';

const CLIENT_TRACE = '5b8efff798038103d269b633813fc60c';
const CLIENT_SPAN = 'eee19b7ec3c1b174';

describe('tracing on Kafka, across topics', () => {
  const prefix = uniquePrefix('trace');
  const dir = tempDir('aura-kafka-tracing');
  const file = pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    [/(name: aura360\.context\.(aggregated|vectorized)\n)/g, '$1    fuse: false\n'],
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
  ]);
  const transport = kafkaTransport('aura-tracing-test');
  const logger = createLogger('tracing-kafka', 'silent');
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  const stack = kafkaGatewayStack({ file, dir, prefix, transport, logger, instanceId: 'trace-k1' });
  const token = (user: string) => sign({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 }, TEST_SECRET, 'HS256');

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = startTracing(receiver.env())!;
    await stack.start();
    expect(stack.pipeline.fusion.filter((d) => d.fused)).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await stack.stop();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('is one trace from the request to each chunk delivered, every hop a child of the one that wrote its record', async () => {
    const client = {
      url: stack.url,
      token,
      auth: async (user: string) => ({ authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' }),
    };
    const session = await mobileSession(client, 'ana', { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` }, 60_000);
    const trace = await eventually(
      async () => {
        await tracing.forceFlush();
        const spans = receiver.spans.filter((s) => s.traceId === CLIENT_TRACE);
        const delivered = spans.filter((s) => s.name === 'deliver guardian.chunk').length;
        return spans.some((s) => s.name === 'process ingest_vectors') && delivered === session.chunks ? spans : undefined;
      },
      30_000,
      200,
    );
    const one = (name: string): ReceivedSpan => {
      const found = trace.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const topic = (id: string) => stack.pipeline.topics[id]!.name;
    /** `child` read its record from `from` on the broker, written under `parent`. */
    const readFrom = (child: ReceivedSpan, parent: ReceivedSpan, from: string) => {
      expect(child.parentSpanId, `${child.name} under ${parent.name}`).toBe(parent.spanId);
      expect(child.startNs >= parent.startNs).toBe(true);
      expect(child.attributes['messaging.destination.name'], child.name).toBe(from);
      expect(child.attributes['messaging.kafka.offset'], child.name).toBeGreaterThanOrEqual(0);
    };

    const request = one('POST /api/holistic/mood-entries');
    expect(request.parentSpanId).toBe(CLIENT_SPAN);
    const send = one(`send ${topic('user_events')}`);
    expect(send.parentSpanId).toBe(request.spanId);
    expect(send.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.kafka.offset': session.published.offset });
    const aggregate = one('process aggregate_context');
    readFrom(aggregate, send, topic('user_events'));
    expect(aggregate.attributes['messaging.kafka.offset']).toBe(session.published.offset);
    // Asynchronous nodes run in their lane, after the record that was current: they name no origin.
    const vectorize = one('process vectorize_context');
    expect(vectorize.parentSpanId).toBe(aggregate.spanId);
    const ingest = one('process ingest_vectors');
    expect(ingest.parentSpanId).toBe(vectorize.spanId);
    expect(ingest.startNs >= vectorize.endNs).toBe(true); // it read what vectorize wrote, from the broker

    const sendRequest = one(`send ${topic('guardian_requests')}`);
    expect(sendRequest.parentSpanId).toBe(one('POST /api/guardian/advice').spanId);
    const join = one('process requests_with_context');
    readFrom(join, sendRequest, topic('guardian_requests'));
    const guardian = one('process guardian');
    expect(guardian.parentSpanId).toBe(join.spanId);
    expect(one('advise advisor').parentSpanId).toBe(guardian.spanId);
    const deliveries = trace.filter((s) => s.name === 'deliver guardian.chunk');
    expect(deliveries).toHaveLength(session.chunks);
    for (const d of deliveries) {
      // Delivered from the engine at its commit (no offset known then) or read from the broker.
      if (d.attributes['messaging.kafka.offset'] === undefined) {
        expect(d.parentSpanId).toBe(guardian.spanId);
        expect(d.attributes['messaging.destination.name']).toBe(topic('guardian_chunks'));
      } else readFrom(d, guardian, topic('guardian_chunks'));
    }
  });
});
