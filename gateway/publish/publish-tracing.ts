/**
 * The `send <topic>` PRODUCER span of a gateway publish (docs/operations.md,
 * "Tracing"): a child of the request's span, ended when the log acknowledged
 * the record. The record's `traceparent` header names this span — sampled or
 * not, so the pipeline follows the same sampling decision — and replaces the
 * client's: the client's context is the request span's parent.
 */
import { context, SpanKind } from '@opentelemetry/api';
import { headersWithSpan, runInSpan, SpanNames, startSpan } from '../../common/tracing/spans.js';
import type { Headers, RecordMetadata, Transport } from '../../transports/types.js';

export function tracePublish(
  transport: Transport['kind'],
  topic: string,
  headers: Headers,
  produce: (headers: Headers) => Promise<RecordMetadata>,
): Promise<RecordMetadata> {
  const parent = context.active();
  const span = startSpan(SpanNames.send(topic), SpanKind.PRODUCER, parent, () => ({
    'messaging.system': transport === 'kafka' ? 'kafka' : 'aura_embedded',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': topic,
  }));
  return runInSpan(span, parent, async () => {
    const meta = await produce(headersWithSpan(headers, span));
    if (span.isRecording()) span.setAttributes({ 'messaging.destination.partition.id': String(meta.partition), 'messaging.kafka.offset': meta.offset });
    return meta;
  });
}
